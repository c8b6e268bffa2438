import Checkout
import SeededRandom
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

    /// The rule as first written, over `Character`s: the oracle for the byte-level `identify`.
    private static func referenceIdentify(_ number: String) -> CardNetwork? {
        guard number.utf8.count <= 64 else { return nil }
        let digits = number.filter { $0 != " " && $0 != "-" }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        func prefix(_ count: Int) -> Int { Int(digits.prefix(count)) ?? -1 }
        switch true {
        case digits.hasPrefix("4"): return .visa
        case (51...55).contains(prefix(2)), (2221...2720).contains(prefix(4)): return .mastercard
        case digits.hasPrefix("34"), digits.hasPrefix("37"): return .amex
        case digits.hasPrefix("6011"), digits.hasPrefix("65"), (644...649).contains(prefix(3)): return .discover
        case (3528...3589).contains(prefix(4)): return .jcb
        case (300...305).contains(prefix(3)), digits.hasPrefix("36"), digits.hasPrefix("38"): return .dinersClub
        case digits.hasPrefix("62"): return .unionPay
        case digits.hasPrefix("50"), (56...58).contains(prefix(2)), digits.hasPrefix("6"): return .maestro
        default: return nil
        }
    }

    @Test func byteLevelIdentifyAgreesWithTheCharacterRule() {
        var generator = SplitMix64(seed: 7812)
        let pieces = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", " ", "-", "x", "\u{301}", "٣", "+", "  "]
        var numbers = ["", " ", "-", "4", "5", "34", "6011", "3528", "2221", "2720", "305", "62", "50", "6"]
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 24)
            numbers.append((0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined())
        }
        numbers.append(String(repeating: "4", count: 65))
        for number in numbers {
            #expect(CardNetwork.identify(number) == Self.referenceIdentify(number), "\(number)")
        }
    }
}
