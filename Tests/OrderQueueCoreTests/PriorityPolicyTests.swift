import Checkout
import Foundation
import Testing

@testable import OrderQueueCore

/// The ticket of an order shipped to `country` with `method` and `copies` books in total.
func makeOrder(country: String? = "EE", method: String? = "Standard", copies: Int = 1) -> OrderTicket {
    OrderTicket(
        orderId: "o",
        order: CheckoutRequest(
            items: [.init(name: "Dune", quantity: copies)], shippingMethod: method,
            billingAddress: country.map { .init(country: $0) }))
}

@Suite struct PriorityPolicyTests {
    let policy = PriorityPolicy.default

    @Test func defaultPolicyRanksTheDocumentedCountries() {
        #expect(policy.countryRanking == ["EE", "FI", "LV", "LT", "SE", "DE", "US", "GB"])
        #expect(policy.largeOrderMinimumQuantity == 10)
    }

    @Test func earlierCountriesRankHigher() {
        let estonia = policy.priority(for: makeOrder(country: "EE"))
        let finland = policy.priority(for: makeOrder(country: "Finland"))
        let britain = policy.priority(for: makeOrder(country: "United Kingdom"))
        #expect(estonia.countryRank == 0)
        #expect(finland.countryRank == 1)
        #expect(britain.countryRank == 7)
        #expect(estonia > finland)
        #expect(finland > britain)
    }

    @Test func countryNamesAndCodesAreNormalized() {
        #expect(policy.countryRank(of: " estonia ") == 0)
        #expect(policy.countryRank(of: "USA") == 6)
        #expect(PriorityPolicy(countryRanking: ["Estonia", "usa"]).countryRanking == ["EE", "US"])
    }

    @Test func unlistedAndMissingCountriesShareTheLowestRank() {
        let unlisted = policy.priority(for: makeOrder(country: "Brazil"))
        let other = policy.priority(for: makeOrder(country: "Atlantis"))
        let missing = policy.priority(for: makeOrder(country: nil))
        #expect(unlisted.countryRank == policy.countryRanking.count)
        #expect(unlisted == other)
        #expect(unlisted == missing)
        #expect(unlisted < policy.priority(for: makeOrder(country: "GB")))
    }

    @Test func shippingAddressCountryWinsOverBilling() {
        var order = CheckoutRequest(items: [.init(name: "Dune", quantity: 1)], billingAddress: .init(country: "GB"))
        order.shippingAddress = .init(country: "EE")
        #expect(policy.priority(for: OrderTicket(orderId: "o", order: order)).countryRank == 0)
    }

    @Test func nextDayBeatsExpressBeatsStandard() {
        let nextDay = policy.priority(for: makeOrder(method: "Next-Day"))
        let express = policy.priority(for: makeOrder(method: "Express"))
        let standard = policy.priority(for: makeOrder(method: "Standard"))
        #expect(nextDay.shippingWeight == 2 && express.shippingWeight == 1 && standard.shippingWeight == 0)
        #expect(nextDay > express)
        #expect(express > standard)
    }

    @Test func unknownAndMissingMethodsWeighLikeStandard() {
        for method in ["Carrier Pigeon", "", nil] as [String?] {
            #expect(policy.priority(for: makeOrder(method: method)).shippingWeight == 0, "\(method ?? "nil")")
        }
    }

    @Test func methodSpellingsAreNormalized() {
        for method in ["next day", "NEXT_DAY", "nextday", " Next-Day "] {
            #expect(policy.shippingWeight(of: method) == 2, "\(method)")
        }
        let custom = PriorityPolicy(countryRanking: [], shippingWeights: ["Next Day": 9])
        #expect(custom.shippingWeight(of: "next-day") == 9)
    }

    @Test func shippingMethodOutranksCountry() {
        // Rule: method first, then country. Express to an unlisted country beats Standard to the top country.
        let expressFar = policy.priority(for: makeOrder(country: "Brazil", method: "Express"))
        let standardHome = policy.priority(for: makeOrder(country: "EE", method: "Standard"))
        #expect(expressFar > standardHome)
        // Within one method the country decides.
        let expressHome = policy.priority(for: makeOrder(country: "EE", method: "Express"))
        #expect(expressHome > expressFar)
    }

    @Test func largeOrderBonusOnlyBreaksTies() {
        let large = policy.priority(for: makeOrder(country: "FI", copies: 10))
        let small = policy.priority(for: makeOrder(country: "FI", copies: 9))
        #expect(large.sizeBonus == 1 && small.sizeBonus == 0)
        #expect(large > small)
        // A large order never jumps a better country or faster method.
        #expect(large < policy.priority(for: makeOrder(country: "EE", copies: 1)))
        #expect(large < policy.priority(for: makeOrder(country: "GB", method: "Express", copies: 1)))
    }

    @Test func sizeBonusCanBeDisabledAndIgnoresBadQuantities() {
        let noBonus = PriorityPolicy(countryRanking: ["EE"])
        #expect(noBonus.priority(for: makeOrder(copies: 1_000)).sizeBonus == 0)
        var order = makeOrder(copies: Int.max)
        order.items.append(.init(name: "Emma", quantity: 5))
        order.items.append(.init(name: "Odd", quantity: -50))
        #expect(PriorityPolicy.totalQuantity(of: order.items) == Int.max)
        #expect(PriorityPolicy.totalQuantity(of: []) == 0)
    }

    @Test func priorityDescribesItsComponents() {
        let priority = policy.priority(for: makeOrder(country: "LV", method: "Express", copies: 12))
        #expect(priority.description == "shippingWeight=1 countryRank=2 sizeBonus=1")
    }

    @Test func policyRoundTripsThroughJSONAndDecodingNormalizes() throws {
        let data = try JSONEncoder().encode(policy)
        #expect(try JSONDecoder().decode(PriorityPolicy.self, from: data) == policy)
        let handWritten = Data(#"{"countryRanking": ["Estonia", "fi"], "shippingWeights": {"Next Day": 5}}"#.utf8)
        let decoded = try JSONDecoder().decode(PriorityPolicy.self, from: handWritten)
        #expect(decoded.countryRanking == ["EE", "FI"])
        #expect(decoded.shippingWeight(of: "Next-Day") == 5)
        #expect(decoded.largeOrderMinimumQuantity == nil)
    }
}
