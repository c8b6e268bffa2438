import Checkout
import Testing

/// Orders built to hurt: every result must be findings, quickly, never a crash.
struct HostileOrderTests {
    let verifier = TransactionVerifier()
    let rules = FraudRules()

    /// Runs `body` and returns its result with the elapsed time.
    func timed<T>(_ body: () -> T) -> (T, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = body()
        return (result, clock.now - start)
    }

    @Test func tenThousandItemsAreRejectedQuickly() {
        let order = Fixtures.validOrder {
            $0.items = (0..<10_000).map { .init(name: "Book \($0)", quantity: $0 % 3 - 1) }
        }
        let (result, elapsed) = timed {
            (verifier.verify(order, today: Fixtures.today), rules.evaluate(order), OrderFeatures(order))
        }
        let codes = Set(Fixtures.codes(result.0.failures))
        #expect(codes.contains("too_many_items"))
        #expect(codes.contains("total_quantity_too_large"))
        // Line checks stop at the line limit: a bounded report, not 10,000 findings.
        #expect(result.0.failures.count <= 2 + 50)
        #expect(result.2.distinctItems == 10_000)
        #expect(elapsed < .seconds(1))
    }

    @Test func megabyteStringsInEveryFieldGiveFieldTooLong() {
        let huge = String(repeating: "ä😀x", count: 350_000)
        var order = CheckoutRequest(
            user: .init(name: huge, contact: huge + "@example.com"),
            creditCard: .init(number: huge, expirationDate: huge, cvv: huge), userComment: huge,
            items: [.init(name: huge, quantity: 1)], discountCode: huge, shippingMethod: huge, giftMessage: huge,
            billingAddress: .init(street: huge, city: huge, state: huge, zip: huge, country: huge),
            shippingAddress: .init(street: huge, city: huge, state: huge, zip: huge, country: huge),
            termsAccepted: true)
        order.notificationPreferences = [huge]
        order.referrer = huge
        let (result, elapsed) = timed {
            (verifier.verify(order, today: Fixtures.today), rules.evaluate(order), OrderFeatures(order))
        }
        let failures = result.0.failures
        #expect(Set(failures.map(\.code)) == ["field_too_long"])
        let fields = Set(failures.compactMap(\.field))
        #expect(
            fields.isSuperset(of: [
                "user.name", "user.contact", "creditCard.number", "items[0].name",
                "billingAddress.zip", "shippingAddress.country", "userComment",
                "notificationPreferences[0]", "referrer",
            ]))
        #expect(Fixtures.codes(result.1).contains("implausible_name"))
        #expect(result.2.commentLength == 1_000)
        #expect(elapsed < .seconds(1))
    }

    @Test func extremeQuantitiesAreFindingsNotTraps() {
        let order = Fixtures.validOrder {
            $0.items = [
                .init(name: "A", quantity: .max), .init(name: "B", quantity: .max), .init(name: "C", quantity: .min),
                .init(name: "D", quantity: -1),
            ]
        }
        let failures = verifier.verify(order, today: Fixtures.today).failures
        #expect(
            failures.map(\.code) == [
                "item_quantity_too_large", "item_quantity_too_large", "item_quantity_invalid", "item_quantity_invalid",
                "total_quantity_too_large",
            ])
        #expect(Fixtures.codes(rules.evaluate(order)) == ["bulk_quantity"])
        let features = OrderFeatures(order)
        #expect(features.totalQuantity == Double(Int.max))
        #expect(features.maxQuantity == Double(Int.max))
    }

    @Test func decodedJunkIsHandled() throws {
        // What the JSON decoder hands over after replacing invalid UTF-8 and accepting odd but typed values.
        let order = try Fixtures.decode(
            """
            {"user": {"name": "\u{FFFD}\u{FFFD}", "contact": "@@@"},
             "creditCard": {"number": "4111\u{FFFD}1111", "expirationDate": "\u{FFFD}/\u{FFFD}", "cvv": "😀😀😀"},
             "items": [{"name": "", "quantity": 0}, {}], "billingAddress": {}, "shippingMethod": "🚀",
             "termsAccepted": false}
            """)
        let codes = Fixtures.codes(verifier.verify(order, today: Fixtures.today).failures)
        #expect(
            codes == [
                "item_name_missing", "item_quantity_invalid", "item_name_missing", "item_quantity_invalid",
                "user_contact_invalid", "billing_street_missing", "billing_city_missing", "billing_zip_missing",
                "billing_country_missing", "terms_not_accepted", "shipping_method_invalid", "card_number_malformed",
                "card_expiry_malformed", "card_cvv_invalid",
            ])
        #expect(Fixtures.codes(rules.evaluate(order)) == ["implausible_name"])
    }

    @Test func parsersSurviveOddStrings() {
        for text in ["", " ", "/", "//", "\u{FFFD}", "😀/😀", String(repeating: "9", count: 100_000), "-0/-0"] {
            #expect(CardExpiry.parse(text) == nil)
            #expect(!Luhn.isValid(text) || text.allSatisfy(\.isNumber))
            #expect(CardNumber.problem(with: text) != nil)
            _ = PersonName.isPlausible(text)
            _ = ContactAddress.matchesName(text + "@x.com", name: text)
            _ = Country.normalized(text)
        }
    }
}
