import Checkout
import SeededRandom

/// A synthetic order with its label.
public struct LabelledOrder: Sendable, Equatable {
    public var order: CheckoutRequest
    /// The label the model is trained and evaluated on: `generatedAsFraud`, flipped for a few rows (noise).
    public var isFraud: Bool
    /// Which population produced the order, before label noise.
    public var generatedAsFraud: Bool

    /// The model's input for this order (always through `OrderFeatures`, as in serving).
    public var features: OrderFeatures { OrderFeatures(order) }
}

/// A seeded generator of labelled synthetic checkout orders for training the fraud model.
///
/// Two populations (probabilities are per order; see docs/fraud-model.md for the full table):
/// - **Legitimate customers**: names from thirteen naming cultures (Latin with diacritics, Cyrillic, romanized
///   East Asian), e-mail addresses derived from the name on mainstream domains, 1–5 distinct books in quantities
///   of 1–3, billing and shipping in one country, mostly standard shipping, Luhn-valid Visa / Mastercard / Amex /
///   Discover / JCB numbers. Each may show a *weak* signal: an unrelated e-mail handle (6%), a different
///   shipping country (5%), express or next-day (20%), a gift message (10%), a single-word name (2%), a
///   disposable domain (1%), bulk copies of one book (1.5%), an unknown card prefix (0.7%).
/// - **Fraudsters**: each signal independently — implausible name (35%), disposable domain (40%), e-mail local
///   part unrelated to the name (55%), bulk quantity of one book (40%), shipping country different from billing
///   (45%), express / next-day (60%), gift message (30%), unknown card prefix (25%).
///
/// Then `labelNoise` of the labels are flipped. With the defaults the label prevalence is
/// `0.11 × 0.97 + 0.89 × 0.03 ≈ 13.3%` (`expectedLabelRate`).
///
/// The same seed always gives the same orders (all randomness comes from the injected generator).
public struct SyntheticOrders: Sendable {
    /// Fraction of orders drawn from the fraudster population.
    public var fraudRate: Double
    /// Fraction of labels flipped after generation.
    public var labelNoise: Double

    public init(fraudRate: Double = 0.11, labelNoise: Double = 0.03) {
        self.fraudRate = fraudRate
        self.labelNoise = labelNoise
    }

    /// The expected fraction of rows labelled fraud, after noise.
    public var expectedLabelRate: Double { fraudRate * (1 - labelNoise) + (1 - fraudRate) * labelNoise }

    /// `count` labelled orders drawn from `generator`.
    public func generate<G: RandomNumberGenerator>(count: Int, using generator: inout G) -> [LabelledOrder] {
        (0..<count).map { _ in labelledOrder(using: &generator) }
    }

    /// `count` labelled orders from a `SplitMix64` seeded with `seed`.
    public func generate(count: Int, seed: UInt64) -> [LabelledOrder] {
        var generator = SplitMix64(seed: seed)
        return generate(count: count, using: &generator)
    }

    /// One labelled order.
    public func labelledOrder<G: RandomNumberGenerator>(using generator: inout G) -> LabelledOrder {
        let fraud = generator.chance(fraudRate)
        let order = fraud ? fraudulentOrder(using: &generator) : legitimateOrder(using: &generator)
        let flipped = generator.chance(labelNoise)
        return LabelledOrder(order: order, isFraud: fraud != flipped, generatedAsFraud: fraud)
    }

    /// An order from the legitimate population.
    public func legitimateOrder<G: RandomNumberGenerator>(using generator: inout G) -> CheckoutRequest {
        let culture = generator.pick(SyntheticVocabulary.cultures)
        let person = Self.person(from: culture, using: &generator)
        let name = generator.chance(0.02) ? person.given : person.display
        let local = generator.chance(0.06) ? Self.handle(using: &generator) : Self.localPart(person, using: &generator)
        let domains =
            generator.chance(0.01)
            ? SyntheticVocabulary.disposableDomains : SyntheticVocabulary.commonDomains
        let contact = local + "@" + generator.pick(domains)

        var items: [CheckoutRequest.Item]
        if generator.chance(0.015) {
            items = [
                .init(
                    name: generator.pick(SyntheticVocabulary.titles),
                    quantity: Int.random(
                        in: 8...30,
                        using: &generator))
            ]
        } else {
            let distinct = Self.weightedIndex([45, 28, 15, 8, 4], using: &generator) + 1
            items = Self.titles(distinct, using: &generator).map {
                .init(name: $0, quantity: 1 + Self.weightedIndex([80, 15, 5], using: &generator))
            }
        }

        let billingCountry = generator.pick(culture.countries)
        var shippingCountry: String? = generator.chance(0.5) ? nil : generator.pick(culture.countries)
        if generator.chance(0.05) {
            // A present for family abroad.
            shippingCountry =
                generator.pick(SyntheticVocabulary.cultures.filter { $0.countries != culture.countries })
                .countries[0]
        }
        let method = ["Standard", "Express", "Next-Day"][Self.weightedIndex([80, 14, 6], using: &generator)]
        let gift = generator.chance(0.10) ? generator.pick(SyntheticVocabulary.giftMessages) : nil
        let comment = generator.chance(0.35) ? generator.pick(SyntheticVocabulary.comments) : nil
        let card =
            generator.chance(0.007)
            ? Self.oddCard(using: &generator) : Self.mainstreamCard(using: &generator)
        return Self.order(
            name: name, contact: contact, card: card, items: items, comment: comment, gift: gift, method: method,
            billing: Self.address(billingCountry, culture: culture, using: &generator),
            shipping: shippingCountry.map { Self.address($0, culture: culture, using: &generator) })
    }

    /// An order from the fraudster population: a random subset of the fraud signals.
    public func fraudulentOrder<G: RandomNumberGenerator>(using generator: inout G) -> CheckoutRequest {
        let culture = generator.pick(SyntheticVocabulary.cultures)
        let person = Self.person(from: culture, using: &generator)
        let implausible = generator.chance(0.35)
        let name = implausible ? Self.implausibleName(using: &generator) : person.display
        let local: String
        if generator.chance(0.55) {
            local = Self.randomString(Int.random(in: 5...12, using: &generator), using: &generator)
        } else {
            local = implausible ? Self.fold(name) : Self.localPart(person, using: &generator)
        }
        let domains =
            generator.chance(0.40)
            ? SyntheticVocabulary.disposableDomains : SyntheticVocabulary.commonDomains
        let contact = (local.isEmpty ? "x" : local) + "@" + generator.pick(domains)

        let items: [CheckoutRequest.Item]
        if generator.chance(0.40) {
            items = [
                .init(
                    name: generator.pick(SyntheticVocabulary.titles),
                    quantity: Int.random(in: 8...60, using: &generator))
            ]
        } else {
            items = Self.titles(Int.random(in: 1...4, using: &generator), using: &generator).map {
                .init(name: $0, quantity: Int.random(in: 1...3, using: &generator))
            }
        }
        let billingCountry = generator.pick(culture.countries)
        let shippingCountry =
            generator.chance(0.45)
            ? generator.pick(
                SyntheticVocabulary.dropCountries.filter {
                    Country.normalized($0) != Country.normalized(billingCountry)
                })
            : (generator.chance(0.5) ? nil : billingCountry)
        let method = generator.chance(0.60) ? generator.pick(["Express", "Next-Day"]) : "Standard"
        let gift = generator.chance(0.30) ? generator.pick(SyntheticVocabulary.giftMessages) : nil
        let comment = generator.chance(0.12) ? generator.pick(["asap", "urgent", "Leave at the front door."]) : nil
        let card = generator.chance(0.25) ? Self.oddCard(using: &generator) : Self.mainstreamCard(using: &generator)
        return Self.order(
            name: name, contact: contact, card: card, items: items, comment: comment, gift: gift, method: method,
            billing: Self.address(billingCountry, culture: culture, using: &generator),
            shipping: shippingCountry.map { Self.address($0, culture: culture, using: &generator) })
    }

    static func order(
        name: String, contact: String, card: String, items: [CheckoutRequest.Item], comment: String?, gift: String?,
        method: String, billing: CheckoutRequest.Address, shipping: CheckoutRequest.Address?
    ) -> CheckoutRequest {
        CheckoutRequest(
            user: .init(name: name, contact: contact),
            creditCard: .init(number: card, expirationDate: "09/29", cvv: card.hasPrefix("3") ? "1234" : "123"),
            userComment: comment, items: items, shippingMethod: method, giftMessage: gift, billingAddress: billing,
            shippingAddress: shipping, giftWrapping: gift != nil, termsAccepted: true)
    }
}
