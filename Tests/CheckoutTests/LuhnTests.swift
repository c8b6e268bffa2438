import Checkout
import Testing

struct LuhnTests {
    @Test(arguments: [
        "4111111111111111", "4012888888881881", "4222222222222", "5555555555554444", "5105105105105100",
        "2223003122003222", "378282246310005", "371449635398431", "6011111111111117", "3530111333300000",
        "30569309025904", "79927398713", "4111 1111 1111 1111", "4111-1111-1111-1111",
    ])
    func knownTestNumbersPassLuhn(number: String) {
        #expect(Luhn.isValid(number))
    }

    @Test(arguments: [
        "4111111111111112", "4111111111111110", "5555555555554445", "378282246310006", "79927398710",
        "4111111111111121",
    ])
    func oneDigitOffFailsLuhn(number: String) {
        #expect(!Luhn.isValid(number))
    }

    @Test(arguments: ["", "0", "4111x11111111111", "４１１１111111111111", "4111.1111.1111.1111", "  ", "-"])
    func emptyTooShortOrForeignCharactersFailLuhn(number: String) {
        #expect(!Luhn.isValid(number))
    }

    @Test func everyDigitChangeIsCaught() {
        let valid = Array("4012888888881881")
        for index in valid.indices {
            for digit in "0123456789" where digit != valid[index] {
                var changed = valid
                changed[index] = digit
                #expect(!Luhn.isValid(String(changed)), "\(String(changed))")
            }
        }
    }
}

struct CardNumberTests {
    @Test(arguments: [
        "4111111111111111", "5555 5555 5555 4444", "378282246310005", "6011111111111117",
        "4222222222222", "79927398713000000",
    ])
    func plausibleNumbersHaveNoProblem(number: String) {
        #expect(CardNumber.problem(with: number) == nil)
    }

    @Test func eachProblemIsNamed() {
        #expect(CardNumber.problem(with: "4111-1111-1111-111O") == .malformed)
        #expect(CardNumber.problem(with: "") == .malformed)
        #expect(CardNumber.problem(with: "79927398713") == .wrongLength)  // 11 digits, Luhn-valid.
        #expect(CardNumber.problem(with: "37828224631000") == .wrongLength)  // Amex needs 15.
        #expect(CardNumber.problem(with: "0000 0000 0000 0000") == .placeholder)
        #expect(CardNumber.problem(with: "4111111111111112") == .checksumFailed)
    }

    @Test func networksAreIdentifiedByPrefix() {
        #expect(CardNetwork.identify("4111111111111111") == .visa)
        #expect(CardNetwork.identify("2223003122003222") == .mastercard)
        #expect(CardNetwork.identify("378282246310005") == .amex)
        #expect(CardNetwork.identify("9999999999999995") == nil)
        #expect(CardNetwork.amex.cvvLength == 4)
        #expect(CardNetwork.visa.cvvLength == 3)
    }
}
