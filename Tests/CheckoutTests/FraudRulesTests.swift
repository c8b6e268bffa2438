import Checkout
import Testing

struct FraudRulesTests {
    let rules = FraudRules()

    @Test func cleanOrderFiresNoRule() {
        #expect(rules.evaluate(Fixtures.validOrder()) == [])
    }

    @Test func courseBodyFiresNoRule() throws {
        #expect(rules.evaluate(try Fixtures.courseOrder()) == [])
    }

    static let triggers: [(FraudRuleCode, String, CheckoutRequest)] = [
        (.implausibleName, "user.name", Fixtures.validOrder { $0.user?.name = "John Doe3" }),
        (.implausibleName, "user.name", Fixtures.validOrder { $0.user = .init(name: "Jdoe", contact: "jdoe@x.com") }),
        (
            .contactNameMismatch, "user.contact",
            Fixtures.validOrder {
                $0.user = .init(name: "Maria Garcia", contact: "xk92@example.com")
            }
        ),
        (.disposableEmailDomain, "user.contact", Fixtures.validOrder { $0.user?.contact = "john.doe@mailinator.com" }),
        (.disposableEmailDomain, "user.contact", Fixtures.validOrder { $0.user?.contact = "jdoe@eu.YOPMAIL.com" }),
        (.bulkQuantity, "items[1].quantity", Fixtures.validOrder { $0.items?[1].quantity = 20 }),
        (
            .countryMismatch, "shippingAddress.country",
            Fixtures.validOrder {
                $0.shippingAddress = .init(street: "123 Main St", city: "Springfield", zip: "62701", country: "Germany")
            }
        ),
        (
            .rushGiftToOtherAddress, "shippingAddress",
            Fixtures.validOrder {
                $0.giftMessage = "Happy birthday!"
                $0.shippingMethod = "Next-Day"
                $0.shippingAddress = .init(street: "9 Elm Road", city: "Chicago", zip: "60601", country: "US")
            }
        ),
    ]

    @Test(arguments: triggers)
    func eachRuleFiresAlone(code: FraudRuleCode, field: String, order: CheckoutRequest) {
        let findings = rules.evaluate(order)
        #expect(findings.map(\.code) == [code.rawValue])
        #expect(findings.first?.field == field)
    }

    @Test func bulkRuleRespectsItsThreshold() {
        let nineteen = Fixtures.validOrder { $0.items?[0].quantity = 19 }
        #expect(rules.evaluate(nineteen) == [])
        #expect(
            Fixtures.codes(FraudRules(bulkQuantity: 5).evaluate(Fixtures.validOrder { $0.items?[0].quantity = 5 }))
                == ["bulk_quantity"])
    }

    @Test func sameCountrySpelledDifferentlyIsNoMismatch() {
        for spelling in ["United States", "us", " U.S.A. ", "united  states  of america"] {
            let order = Fixtures.validOrder {
                $0.shippingAddress = .init(street: "123 Main St", city: "Springfield", zip: "62701", country: spelling)
            }
            #expect(rules.evaluate(order) == [], "\(spelling)")
        }
    }

    @Test func rushGiftNeedsAllThreeSignals() {
        let elsewhere = CheckoutRequest.Address(street: "9 Elm Road", city: "Chicago", zip: "60601", country: "US")
        let sameAddress = Fixtures.validOrder {
            $0.giftMessage = "For you"
            $0.shippingMethod = "next-day"
            $0.shippingAddress = .init(street: "123  main st.", city: "SPRINGFIELD", zip: "62701", country: "USA")
        }
        let standard = Fixtures.validOrder {
            $0.giftMessage = "For you"
            $0.shippingAddress = elsewhere
        }
        let noMessage = Fixtures.validOrder {
            $0.giftMessage = "  "
            $0.shippingMethod = "Next-Day"
            $0.shippingAddress = elsewhere
        }
        #expect(rules.evaluate(sameAddress) == [])
        #expect(rules.evaluate(standard) == [])
        #expect(rules.evaluate(noMessage) == [])
    }

    @Test func rulesFireTogether() {
        let order = Fixtures.validOrder {
            $0.user = .init(name: "asdf", contact: "qq@guerrillamail.com")
            $0.items = [.init(name: "Dune", quantity: 50)]
            $0.shippingAddress = .init(street: "1 Drop Lane", city: "Lagos", zip: "100001", country: "NG")
            $0.shippingMethod = "Next-Day"
            $0.giftMessage = "for u"
        }
        #expect(
            Fixtures.codes(rules.evaluate(order)) == [
                "implausible_name", "contact_name_mismatch", "disposable_email_domain", "bulk_quantity",
                "country_mismatch", "rush_gift_to_other_address",
            ])
    }

    static let realisticCustomers: [(String, String, String)] = [
        ("José Álvarez", "jose.alvarez@gmail.com", "ES"),
        ("José Álvarez", "jalvarez@correo.es", "Spain"),
        ("Jürgen Müller", "juergen.mueller@web.de", "Germany"),
        ("Jürgen Müller", "j.muller@gmx.de", "DE"),
        ("Nguyễn Văn An", "nguyenvanan@gmail.com", "Vietnam"),
        ("Conan O'Brien", "cobrien@example.ie", "Ireland"),
        ("Siobhán O’Brien", "siobhan.obrien@eircom.net", "IE"),
        ("Anne-Marie Smith", "annemarie.smith@outlook.com", "United Kingdom"),
        ("Anne-Marie Smith", "amsmith@outlook.com", "UK"),
        ("Mari Tamm", "mari.tamm@ut.ee", "Eesti"),
        ("Tõnu Pärn", "tonu.parn@mail.ee", "Estonia"),
        ("Łukasz Żółć", "lukasz.zolc@wp.pl", "Poland"),
        ("Chinedu Okafor", "chinedu1990@yahoo.com", "Nigeria"),
        ("Priya Sharma", "priya.sharma@gmail.com", "India"),
        ("Li Na", "lina88@qq.com", "China"),
        ("王芳", "wangfang@qq.com", "China"),
        ("김민준", "minjun.kim@naver.com", "South Korea"),
        ("Иван Петров", "ivan.petrov@yandex.ru", "Latvia"),
        ("Dr. Martin Luther King Jr.", "mlk@example.com", "USA"),
        ("Jean-Pierre Lefèvre", "jp.lefevre@orange.fr", "France"),
        ("Ahmed Al-Sayed", "ahmed.alsayed@gmail.com", "Netherlands"),
        ("Hannah Schmidt", "+49 30 1234567", "Deutschland"),
        ("Björk Guðmundsdóttir", "bjork@example.is", "Iceland"),
        ("John Doe", "jd1985@example.com", "USA"),
    ]

    @Test(arguments: realisticCustomers)
    func realisticOrdersFireNoRule(name: String, contact: String, country: String) {
        let order = Fixtures.validOrder {
            $0.user = .init(name: name, contact: contact)
            $0.billingAddress?.country = country
        }
        #expect(rules.evaluate(order) == [])
    }
}
