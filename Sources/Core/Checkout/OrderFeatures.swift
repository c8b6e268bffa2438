/// The numeric features of an order that the fraud model sees. Extracted the same way for training
/// (from synthetic orders) and serving, so the two cannot drift apart.
public struct OrderFeatures: Sendable, Equatable {
    /// Feature names, in vector order (also written to the model's documentation).
    public static let names = [
        "total_quantity", "distinct_items", "max_quantity", "name_implausible", "disposable_contact_domain",
        "name_contact_mismatch", "country_mismatch", "express_shipping", "comment_length", "has_gift_message",
        "card_prefix_risk",
    ]

    public var totalQuantity: Double
    public var distinctItems: Double
    public var maxQuantity: Double
    public var nameImplausible: Double
    public var disposableContactDomain: Double
    public var nameContactMismatch: Double
    public var countryMismatch: Double
    public var expressShipping: Double
    public var commentLength: Double
    public var hasGiftMessage: Double
    /// 1 for card prefixes outside the major networks (test ranges, unassigned).
    public var cardPrefixRisk: Double

    /// The features as a row for the model, in `names` order.
    public var vector: [Float] {
        [
            totalQuantity, distinctItems, maxQuantity, nameImplausible, disposableContactDomain, nameContactMismatch,
            countryMismatch, expressShipping, commentLength, hasGiftMessage, cardPrefixRisk,
        ].map { Float($0) }
    }

    public init(
        totalQuantity: Double, distinctItems: Double, maxQuantity: Double, nameImplausible: Double,
        disposableContactDomain: Double, nameContactMismatch: Double, countryMismatch: Double,
        expressShipping: Double, commentLength: Double, hasGiftMessage: Double, cardPrefixRisk: Double
    ) {
        self.totalQuantity = totalQuantity
        self.distinctItems = distinctItems
        self.maxQuantity = maxQuantity
        self.nameImplausible = nameImplausible
        self.disposableContactDomain = disposableContactDomain
        self.nameContactMismatch = nameContactMismatch
        self.countryMismatch = countryMismatch
        self.expressShipping = expressShipping
        self.commentLength = commentLength
        self.hasGiftMessage = hasGiftMessage
        self.cardPrefixRisk = cardPrefixRisk
    }

    /// Extracts the features of `order`.
    public init(_ order: CheckoutRequest) {
        self.init(order, checks: ContactChecks(order))
    }

    /// Extracts the features of `order`, whose name and contact checks were already made.
    public init(_ order: CheckoutRequest, checks: ContactChecks) {
        let items = order.items ?? []
        let quantities = items.map { max(0, $0.quantity ?? 0) }
        // Saturating: wrapping would turn Int.max copies into a small or negative total.
        totalQuantity = Double(
            quantities.reduce(0) { sum, quantity in
                let (next, overflow) = sum.addingReportingOverflow(quantity)
                return overflow ? Int.max : next
            })
        distinctItems = Double(
            Set(items.compactMap { CheckoutRequest.nonEmpty($0.name)?.trimmingWhitespace.lowercased() }).count)
        maxQuantity = Double(quantities.max() ?? 0)
        nameImplausible = checks.nameIsPlausible ? 0 : 1
        disposableContactDomain = checks.contactIsDisposable ? 1 : 0
        nameContactMismatch = checks.contactMatchesName ? 0 : 1
        // A blank country is no country: the page sends "" for fields left empty.
        let billing = CheckoutRequest.nonEmpty(order.billingAddress?.country).map(Country.normalized)
        let shipping = CheckoutRequest.nonEmpty(order.shippingAddress?.country).map(Country.normalized)
        countryMismatch = (billing != nil && shipping != nil && billing != shipping) ? 1 : 0
        let method = (order.shippingMethod ?? "").trimmingWhitespace.lowercased()
        expressShipping = method == "express" || method == "next-day" ? 1 : 0
        commentLength = Double((order.userComment ?? "").prefix(1000).count)
        hasGiftMessage = (order.giftMessage ?? "").trimmingWhitespace.isEmpty ? 0 : 1
        cardPrefixRisk = CardNetwork.identify(order.creditCard?.number ?? "") == nil ? 1 : 0
    }
}
