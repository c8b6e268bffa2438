import Checkout
import SeededRandom
import Testing

@testable import FraudModel

@Suite struct SyntheticOrdersTests {
    @Test func theSameSeedGivesTheSameOrders() {
        let generator = SyntheticOrders()
        #expect(generator.generate(count: 300, seed: 7) == generator.generate(count: 300, seed: 7))
    }

    @Test func differentSeedsGiveDifferentOrders() {
        let generator = SyntheticOrders()
        #expect(generator.generate(count: 50, seed: 7) != generator.generate(count: 50, seed: 8))
    }

    @Test func splitMix64MatchesTheReferenceSequence() {
        // First outputs for seed 0 of the reference C implementation (Vigna's splitmix64.c).
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func fraudLabelPrevalenceIsAsDocumented() {
        let generator = SyntheticOrders()
        let orders = generator.generate(count: 6000, seed: 11)
        let labelRate = Double(orders.filter(\.isFraud).count) / Double(orders.count)
        let fraudRate = Double(orders.filter(\.generatedAsFraud).count) / Double(orders.count)
        #expect(abs(generator.expectedLabelRate - 0.133) < 0.001)
        #expect(abs(labelRate - generator.expectedLabelRate) < 0.03)
        #expect(abs(fraudRate - generator.fraudRate) < 0.03)
        // Label noise flips some rows each way, but only a few.
        let flipped = orders.filter { $0.isFraud != $0.generatedAsFraud }.count
        #expect((60...300).contains(flipped))
    }

    @Test func fraudstersShowMoreSignalsButNeitherPopulationIsClean() {
        let orders = SyntheticOrders().generate(count: 4000, seed: 3)
        func signals(_ features: OrderFeatures) -> Int {
            let binary = [
                features.nameImplausible, features.disposableContactDomain, features.nameContactMismatch,
                features.countryMismatch, features.expressShipping, features.hasGiftMessage, features.cardPrefixRisk,
            ]
            return Int(binary.reduce(0, +)) + (features.maxQuantity >= 8 ? 1 : 0)
        }
        let fraud = orders.filter(\.generatedAsFraud).map { signals($0.features) }
        let legit = orders.filter { !$0.generatedAsFraud }.map { signals($0.features) }
        let fraudMean = Double(fraud.reduce(0, +)) / Double(fraud.count)
        let legitMean = Double(legit.reduce(0, +)) / Double(legit.count)
        #expect(fraudMean > 3 * legitMean)
        // Overlap on purpose: some fraudsters look clean-ish, some customers show a signal.
        #expect(fraud.contains { $0 <= 1 })
        #expect(legit.filter { $0 >= 1 }.count > legit.count / 5)
    }

    @Test func legitimateCustomersUseMajorCardNetworksAndMatchingEmails() throws {
        var random = SplitMix64(seed: 5)
        let generator = SyntheticOrders()
        let orders = (0..<500).map { _ in generator.legitimateOrder(using: &random) }
        let known = orders.filter { CardNetwork.identify($0.creditCard?.number ?? "") != nil }.count
        let matching = orders.filter {
            ContactAddress.matchesName($0.user?.contact ?? "", name: $0.user?.name ?? "")
        }.count
        #expect(known >= 490)
        #expect(matching >= 400)
        #expect(orders.allSatisfy { Self.isLuhnValid($0.creditCard?.number ?? "") })
        #expect(orders.filter { PersonName.isPlausible($0.user?.name ?? "") }.count >= 480)
    }

    @Test func fraudulentOrdersHaveValidLuhnNumbersEvenWithOddPrefixes() {
        var random = SplitMix64(seed: 9)
        let generator = SyntheticOrders()
        let orders = (0..<300).map { _ in generator.fraudulentOrder(using: &random) }
        #expect(orders.allSatisfy { Self.isLuhnValid($0.creditCard?.number ?? "") })
        #expect(orders.contains { CardNetwork.identify($0.creditCard?.number ?? "") == nil })
    }

    static func isLuhnValid(_ number: String) -> Bool {
        let digits = number.compactMap(\.wholeNumberValue)
        guard digits.count >= 12 else { return false }
        let sum = digits.reversed().enumerated().reduce(0) { total, pair in
            let value = pair.offset % 2 == 1 ? pair.element * 2 : pair.element
            return total + (value > 9 ? value - 9 : value)
        }
        return sum % 10 == 0
    }
}
