import Checkout

/// Computes an order's `OrderPriority` from its shipping method, shipping country and size.
///
/// The rule (see `OrderPriority` for how the parts compare): shipping method first — weights from
/// `shippingWeights`, by default Next-Day 2 > Express 1 > Standard 0, with unknown or missing methods weighted
/// like Standard; then the shipping country's rank in `countryRanking` (ISO alpha-2 codes or names, normalized
/// with `Country.normalized`; earlier is better; unlisted and missing countries rank last, together); then, when
/// `largeOrderMinimumQuantity` is set, a bonus of 1 for orders of at least that many copies in total.
public struct PriorityPolicy: Sendable, Codable, Equatable {
    /// Countries from most to least favoured, normalized to ISO alpha-2 codes where known.
    public private(set) var countryRanking: [String]
    /// Weight per shipping method, keyed by `normalizedShippingMethod` ("standard", "express", "next-day").
    public private(set) var shippingWeights: [String: Int]
    /// Total quantity from which an order gets the size bonus; nil disables the bonus.
    public var largeOrderMinimumQuantity: Int?

    /// Next-Day > Express > Standard.
    public static let standardShippingWeights = ["standard": 0, "express": 1, "next-day": 2]

    /// The Baltic and Nordic home markets first, then the large export markets; large orders from 10 copies.
    public static let `default` = PriorityPolicy(
        countryRanking: ["EE", "FI", "LV", "LT", "SE", "DE", "US", "GB"], largeOrderMinimumQuantity: 10)

    public init(
        countryRanking: [String], shippingWeights: [String: Int] = PriorityPolicy.standardShippingWeights,
        largeOrderMinimumQuantity: Int? = nil
    ) {
        self.countryRanking = countryRanking.map(Country.normalized)
        var weights: [String: Int] = [:]
        // Sorted so that two spellings of one method resolve the same way on every run.
        for (method, weight) in shippingWeights.sorted(by: { $0.key < $1.key }) {
            weights[Self.normalizedShippingMethod(method)] = weight
        }
        self.shippingWeights = weights
        self.largeOrderMinimumQuantity = largeOrderMinimumQuantity
    }

    private enum CodingKeys: String, CodingKey {
        case countryRanking, shippingWeights, largeOrderMinimumQuantity
    }

    /// Decodes and normalizes, so a hand-written configuration ("Estonia", "Next Day") works.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            countryRanking: try container.decode([String].self, forKey: .countryRanking),
            shippingWeights: try container.decodeIfPresent([String: Int].self, forKey: .shippingWeights)
                ?? Self.standardShippingWeights,
            largeOrderMinimumQuantity: try container.decodeIfPresent(Int.self, forKey: .largeOrderMinimumQuantity))
    }

    /// The priority of an order shipped with `shippingMethod` to `country`, of `items`.
    public func priority(
        shippingMethod: String?, country: String?, items: [CheckoutRequest.Item]
    ) -> OrderPriority {
        OrderPriority(
            shippingWeight: shippingWeight(of: shippingMethod), countryRank: countryRank(of: country),
            sizeBonus: sizeBonus(forTotalQuantity: Self.totalQuantity(of: items)))
    }

    /// The priority of the order `ticket` describes.
    public func priority(for ticket: OrderTicket) -> OrderPriority {
        priority(shippingMethod: ticket.shippingMethod, country: ticket.country, items: ticket.items)
    }

    /// The rank of `country` (0 = most favoured); `countryRanking.count` when unlisted or nil.
    public func countryRank(of country: String?) -> Int {
        guard let country else { return countryRanking.count }
        return countryRanking.firstIndex(of: Country.normalized(country)) ?? countryRanking.count
    }

    /// The weight of `method`; unknown or nil methods weigh like "standard" (0 if that has no weight).
    public func shippingWeight(of method: String?) -> Int {
        let standard = shippingWeights["standard"] ?? 0
        guard let method else { return standard }
        return shippingWeights[Self.normalizedShippingMethod(method)] ?? standard
    }

    /// 1 when large-order bonuses are on and `quantity` reaches the minimum, else 0.
    public func sizeBonus(forTotalQuantity quantity: Int) -> Int {
        guard let minimum = largeOrderMinimumQuantity else { return 0 }
        return quantity >= minimum ? 1 : 0
    }

    /// "Next-Day", "next day", "NEXT_DAY" and "nextday" all become "next-day"; other methods are trimmed,
    /// lowercased and hyphenated the same way.
    public static func normalizedShippingMethod(_ method: String) -> String {
        let words = method.trimmingWhitespace.lowercased()
            .split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "-" })
        let joined = words.joined(separator: "-")
        return joined == "nextday" ? "next-day" : joined
    }

    /// Copies ordered in total (missing or negative quantities count as 0; saturates instead of overflowing).
    static func totalQuantity(of items: [CheckoutRequest.Item]) -> Int {
        items.reduce(0) { total, item in
            let (sum, overflow) = total.addingReportingOverflow(max(0, item.quantity ?? 0))
            return overflow ? Int.max : sum
        }
    }
}
