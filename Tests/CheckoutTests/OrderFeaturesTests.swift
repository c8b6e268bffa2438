import Checkout
import Testing

struct OrderFeaturesTests {
    @Test func featureNamesAndVectorKeepTheirShape() {
        #expect(OrderFeatures.names.count == 11)
        #expect(OrderFeatures.names.first == "total_quantity" && OrderFeatures.names.last == "card_prefix_risk")
        #expect(OrderFeatures(Fixtures.validOrder()).vector.count == OrderFeatures.names.count)
    }

    @Test func courseBodyFeatures() throws {
        let features = OrderFeatures(try Fixtures.courseOrder())
        #expect(features.vector == [3, 2, 2, 0, 0, 0, 0, 0, 24, 0, 0])
    }

    @Test func blankShippingCountryIsNoMismatch() {
        let order = Fixtures.validOrder { $0.shippingAddress = .init(street: "", city: "", zip: "", country: " ") }
        #expect(OrderFeatures(order).countryMismatch == 0)
        let abroad = Fixtures.validOrder { $0.shippingAddress = .init(country: "Canada") }
        #expect(OrderFeatures(abroad).countryMismatch == 1)
    }

    @Test func totalQuantitySaturatesInsteadOfWrapping() {
        let order = Fixtures.validOrder {
            $0.items = [.init(name: "A", quantity: .max), .init(name: "B", quantity: 2)]
        }
        #expect(OrderFeatures(order).totalQuantity == Double(Int.max))
    }

    @Test func distinctItemsIgnoreCaseSpacesAndBlankNames() {
        let order = Fixtures.validOrder {
            $0.items = [
                .init(name: "Dune", quantity: 1), .init(name: " dune ", quantity: 1), .init(name: "", quantity: 1),
            ]
        }
        #expect(OrderFeatures(order).distinctItems == 1)
    }

    @Test func umlautAddressesMatchTheirNames() {
        let order = Fixtures.validOrder { $0.user = .init(name: "Lukas Müller", contact: "lmuller@gmx.de") }
        #expect(OrderFeatures(order).nameContactMismatch == 0)
    }
}
