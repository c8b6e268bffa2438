import Checkout
import Testing

/// One way to break `Fixtures.validOrder`, and the single finding it must cause.
struct Breakage: Sendable, CustomTestStringConvertible {
    let code: String
    let field: String
    let apply: @Sendable (inout CheckoutRequest) -> Void

    init(_ code: VerificationCode, _ field: String, _ apply: @escaping @Sendable (inout CheckoutRequest) -> Void) {
        self.code = code.rawValue
        self.field = field
        self.apply = apply
    }

    var testDescription: String { "\(code) at \(field)" }
}

struct TransactionVerifierTests {
    let verifier = TransactionVerifier()

    @Test func validOrderPasses() {
        let result = verifier.verify(Fixtures.validOrder(), today: Fixtures.today)
        #expect(result.valid)
        #expect(result.failures.isEmpty)
    }

    static let breakages: [Breakage] = [
        Breakage(.itemsMissing, "items") { $0.items = nil },
        Breakage(.itemsMissing, "items") { $0.items = [] },
        Breakage(.tooManyItems, "items") { $0.items = (0..<51).map { .init(name: "Book \($0)", quantity: 1) } },
        Breakage(.itemNameMissing, "items[1].name") { $0.items?[1].name = nil },
        Breakage(.itemNameMissing, "items[0].name") { $0.items?[0].name = " \t " },
        Breakage(.itemQuantityInvalid, "items[0].quantity") { $0.items?[0].quantity = 0 },
        Breakage(.itemQuantityInvalid, "items[0].quantity") { $0.items?[0].quantity = -3 },
        Breakage(.itemQuantityInvalid, "items[1].quantity") { $0.items?[1].quantity = nil },
        Breakage(.itemQuantityTooLarge, "items[0].quantity") { $0.items?[0].quantity = 101 },
        Breakage(.totalQuantityTooLarge, "items") {
            $0.items = (0..<6).map { .init(name: "Book \($0)", quantity: 100) }
        },
        Breakage(.userNameMissing, "user.name") { $0.user?.name = nil },
        Breakage(.userNameMissing, "user.name") { $0.user?.name = "" },
        Breakage(.userContactMissing, "user.contact") { $0.user?.contact = nil },
        Breakage(.userContactInvalid, "user.contact") { $0.user?.contact = "john at example dot com" },
        Breakage(.userContactInvalid, "user.contact") { $0.user?.contact = "john@localhost" },
        Breakage(.userContactInvalid, "user.contact") { $0.user?.contact = "55 123" },
        Breakage(.billingAddressMissing, "billingAddress") { $0.billingAddress = nil },
        Breakage(.billingStreetMissing, "billingAddress.street") { $0.billingAddress?.street = "" },
        Breakage(.billingCityMissing, "billingAddress.city") { $0.billingAddress?.city = nil },
        Breakage(.billingZipMissing, "billingAddress.zip") { $0.billingAddress?.zip = "  " },
        Breakage(.billingZipInvalid, "billingAddress.zip") { $0.billingAddress?.zip = "62#01" },
        Breakage(.billingCountryMissing, "billingAddress.country") { $0.billingAddress?.country = nil },
        Breakage(.termsNotAccepted, "termsAndConditionsAccepted") { $0.termsAccepted = false },
        Breakage(.termsNotAccepted, "termsAndConditionsAccepted") { $0.termsAccepted = nil },
        Breakage(.shippingMethodInvalid, "shippingMethod") { $0.shippingMethod = "Teleport" },
        Breakage(.cardNumberMissing, "creditCard.number") { $0.creditCard?.number = nil },
        Breakage(.cardNumberMalformed, "creditCard.number") { $0.creditCard?.number = "4111-1111-1111-111a" },
        Breakage(.cardNumberLengthInvalid, "creditCard.number") { $0.creditCard?.number = "79927398713" },
        Breakage(.cardNumberLengthInvalid, "creditCard.number") { $0.creditCard?.number = "41111111111111111111" },
        Breakage(.cardNumberPlaceholder, "creditCard.number") { $0.creditCard?.number = "0000000000000000" },
        Breakage(.cardNumberChecksumFailed, "creditCard.number") { $0.creditCard?.number = "4111111111111112" },
        Breakage(.cardExpiryMissing, "creditCard.expirationDate") { $0.creditCard?.expirationDate = nil },
        Breakage(.cardExpiryMalformed, "creditCard.expirationDate") { $0.creditCard?.expirationDate = "1227" },
        Breakage(.cardExpiryMalformed, "creditCard.expirationDate") { $0.creditCard?.expirationDate = "13/27" },
        Breakage(.cardExpired, "creditCard.expirationDate") { $0.creditCard?.expirationDate = "02/26" },
        Breakage(.cardExpiryTooFar, "creditCard.expirationDate") { $0.creditCard?.expirationDate = "04/2046" },
        Breakage(.cardCVVMissing, "creditCard.cvv") { $0.creditCard?.cvv = nil },
        Breakage(.cardCVVInvalid, "creditCard.cvv") { $0.creditCard?.cvv = "12" },
        Breakage(.cardCVVInvalid, "creditCard.cvv") { $0.creditCard?.cvv = "12a" },
        Breakage(.cardCVVInvalid, "creditCard.cvv") { $0.creditCard?.cvv = "1234" },
        Breakage(.cardCVVInvalid, "creditCard.cvv") {
            $0.creditCard = .init(number: "378282246310005", expirationDate: "12/27", cvv: "123")
        },
        Breakage(.fieldTooLong, "userComment") { $0.userComment = String(repeating: "a", count: 2_001) },
        Breakage(.fieldTooLong, "user.name") { $0.user?.name = String(repeating: "Jo ", count: 334) },
        Breakage(.fieldTooLong, "items[0].name") { $0.items?[0].name = String(repeating: "é", count: 1_001) },
        Breakage(.fieldTooLong, "referrer") { $0.referrer = String(repeating: "x", count: 1_001) },
        Breakage(.tooManyEntries, "notificationPreferences") {
            $0.notificationPreferences = Array(repeating: "email", count: 21)
        },
    ]

    @Test(arguments: breakages)
    func eachCheckFailsAlone(breakage: Breakage) {
        var order = Fixtures.validOrder()
        breakage.apply(&order)
        let result = verifier.verify(order, today: Fixtures.today)
        #expect(!result.valid)
        #expect(result.failures.map(\.code) == [breakage.code])
        #expect(result.failures.first?.field == breakage.field)
        #expect(result.failures.allSatisfy { !$0.message.isEmpty })
    }

    @Test func everyFailureIsReportedTogether() {
        var order = Fixtures.validOrder()
        order.items?[0].quantity = 0
        order.user?.contact = nil
        order.billingAddress?.city = ""
        order.termsAccepted = false
        order.shippingMethod = "Drone"
        order.creditCard = .init(number: "4111111111111112", expirationDate: "01/26", cvv: "1")
        let result = verifier.verify(order, today: Fixtures.today)
        #expect(
            Fixtures.codes(result.failures) == [
                "item_quantity_invalid", "user_contact_missing", "billing_city_missing", "terms_not_accepted",
                "shipping_method_invalid", "card_number_checksum_failed", "card_expired", "card_cvv_invalid",
            ])
        #expect(!result.valid)
    }

    @Test func missingCardAndUserReportEachField() {
        let order = Fixtures.validOrder {
            $0.creditCard = nil
            $0.user = nil
        }
        let codes = Fixtures.codes(verifier.verify(order, today: Fixtures.today).failures)
        #expect(
            codes == [
                "user_name_missing", "user_contact_missing", "card_number_missing", "card_expiry_missing",
                "card_cvv_missing",
            ])
    }

    @Test func emptyOrderFailsWithoutCrashing() {
        let codes = Set(Fixtures.codes(verifier.verify(CheckoutRequest(), today: Fixtures.today).failures))
        #expect(codes.isSuperset(of: ["items_missing", "billing_address_missing", "terms_not_accepted"]))
    }

    @Test(arguments: [
        ("shippingMethod next-day", Fixtures.validOrder { $0.shippingMethod = "next-day" }),
        ("shippingMethod EXPRESS", Fixtures.validOrder { $0.shippingMethod = " EXPRESS " }),
        ("no shippingMethod", Fixtures.validOrder { $0.shippingMethod = nil }),
        ("blank shippingMethod", Fixtures.validOrder { $0.shippingMethod = "" }),
        ("phone contact", Fixtures.validOrder { $0.user?.contact = "+372 5123 4567" }),
        ("US phone contact", Fixtures.validOrder { $0.user?.contact = "(217) 555-0134" }),
        ("x@y.z contact", Fixtures.validOrder { $0.user?.contact = "x@y.z" }),
        (
            "terms under the contract's name",
            Fixtures.validOrder {
                $0.termsAccepted = nil
                $0.termsAndConditionsAccepted = true
            }
        ),
        (
            "Amex with 4-digit CVV",
            Fixtures.validOrder {
                $0.creditCard = .init(number: "3782 822463 10005", expirationDate: "03/26", cvv: "1234")
            }
        ),
        ("Mastercard", Fixtures.validOrder { $0.creditCard?.number = "5555-5555-5555-4444" }),
        ("current month", Fixtures.validOrder { $0.creditCard?.expirationDate = "03/26" }),
        ("MM/YYYY", Fixtures.validOrder { $0.creditCard?.expirationDate = "03/2046" }),
        ("unknown network, 3-digit CVV", Fixtures.validOrder { $0.creditCard?.number = "9999999999999995" }),
        ("emoji item", Fixtures.validOrder { $0.items?[0].name = "📚 Tõde ja õigus" }),
        ("UK postcode", Fixtures.validOrder { $0.billingAddress?.zip = "SW1A 1AA" }),
        ("100 copies, the limit", Fixtures.validOrder { $0.items?[0].quantity = 100 }),
    ])
    func ordinaryVariationsPass(label: String, order: CheckoutRequest) {
        #expect(verifier.verify(order, today: Fixtures.today).failures == [], "\(label)")
    }

    @Test func courseBodyFailsOnlyOnExpiryInNovember2026() throws {
        let result = verifier.verify(try Fixtures.courseOrder(), today: CalendarDate(year: 2026, month: 11))
        #expect(result.failures.map(\.code) == ["card_expired"])
        #expect(result.failures.first?.field == "creditCard.expirationDate")
    }

    @Test func courseBodyPassesInJune2025() throws {
        let result = verifier.verify(try Fixtures.courseOrder(), today: CalendarDate(year: 2025, month: 6))
        #expect(result.valid)
        #expect(result.failures == [])
    }

    @Test func limitsAreConfigurable() {
        let strict = TransactionVerifier(limits: VerificationLimits(maxQuantityPerItem: 1))
        let codes = Fixtures.codes(strict.verify(Fixtures.validOrder(), today: Fixtures.today).failures)
        #expect(codes == ["item_quantity_too_large"])
    }
}
