/// A leadership's identity: a term number and the leader that owns it.
///
/// Each new leader takes the next term after the highest it has seen, and the pair is unique by
/// construction: two candidates that raced to the same term still differ by leader id, so there is never
/// more than one leader per epoch. Epochs are totally ordered (term first, then leader id), which is what the
/// Order Queue uses as a fencing token.
public struct Epoch: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var term: UInt64
    public var leader: Int

    public init(term: UInt64, leader: Int) {
        self.term = term
        self.leader = leader
    }

    /// The epoch before any leader.
    public static let none = Epoch(term: 0, leader: 0)

    /// The highest term any node accepts from the wire or its records (2^53: exact in every JSON number
    /// implementation, and far from overflowing when a new term is taken).
    public static let maxTerm: UInt64 = 1 << 53

    public static func < (lhs: Epoch, rhs: Epoch) -> Bool {
        (lhs.term, lhs.leader) < (rhs.term, rhs.leader)
    }

    /// `term.leader`, e.g. `3.2`.
    public var description: String { "\(term).\(leader)" }
}
