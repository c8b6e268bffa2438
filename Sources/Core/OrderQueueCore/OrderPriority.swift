/// How urgently an order should be executed, with the parts it was computed from (so logs and traces can say
/// why one order went before another).
///
/// The rule, compared part by part: the higher `shippingWeight` goes first (the customer paid for speed); among
/// equal weights the better (lower) `countryRank` goes first; then the higher `sizeBonus`. `a < b` means `a` is
/// served after `b`. Equal priorities are served first come, first served by the queue.
public struct OrderPriority: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// From `PriorityPolicy.shippingWeights`: higher is more urgent.
    public var shippingWeight: Int
    /// Position of the shipping country in `PriorityPolicy.countryRanking`: 0 is the most favoured; unlisted
    /// or missing countries share the last rank (the ranking's length).
    public var countryRank: Int
    /// From `PriorityPolicy.largeOrderMinimumQuantity`: 1 for a large order, else 0. Breaks remaining ties.
    public var sizeBonus: Int

    public init(shippingWeight: Int, countryRank: Int, sizeBonus: Int = 0) {
        self.shippingWeight = shippingWeight
        self.countryRank = countryRank
        self.sizeBonus = sizeBonus
    }

    /// True when `lhs` is less urgent than `rhs`.
    public static func < (lhs: OrderPriority, rhs: OrderPriority) -> Bool {
        if lhs.shippingWeight != rhs.shippingWeight { return lhs.shippingWeight < rhs.shippingWeight }
        if lhs.countryRank != rhs.countryRank { return lhs.countryRank > rhs.countryRank }
        return lhs.sizeBonus < rhs.sizeBonus
    }

    public var description: String {
        "shippingWeight=\(shippingWeight) countryRank=\(countryRank) sizeBonus=\(sizeBonus)"
    }
}
