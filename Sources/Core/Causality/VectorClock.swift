/// A vector clock: for every node, how many events of that node are known to have happened.
///
/// A plain value type with no IO and no clock reads. Absent entries count as zero, so `{"a":1}` and
/// `{"a":1,"b":0}` are equal. Encodes as a flat JSON object, `{"orchestrator":3,"fraud":1}`.
public struct VectorClock: Sendable, Hashable {
    /// Node id → counter. Never holds zero counters.
    public private(set) var entries: [String: UInt64]

    /// An empty clock: nothing is known yet.
    public init() { entries = [:] }

    /// A clock with the given counters; zero counters are dropped.
    public init(_ entries: [String: UInt64]) {
        self.entries = entries.filter { $0.value > 0 }
    }

    /// The counter of `node` (zero when absent).
    public subscript(node: String) -> UInt64 {
        entries[node] ?? 0
    }

    /// Records one local event of `node`: its own counter grows by one. Never traps: a counter at
    /// `UInt64.max` stays there (see `canTick`; servers refuse wire clocks long before, see `WireClockLimits`).
    public mutating func tick(_ node: String) {
        let current = entries[node] ?? 0
        entries[node] = current == .max ? .max : current + 1
    }

    /// True when `node`'s own counter can still grow: a node whose entry would overflow must refuse the event.
    public func canTick(_ node: String) -> Bool {
        self[node] < .max
    }

    /// Takes the entry-wise maximum with `other` (the least upper bound of both clocks).
    public mutating func merge(_ other: VectorClock) {
        for (node, counter) in other.entries where counter > entries[node] ?? 0 {
            entries[node] = counter
        }
    }

    /// The receive rule: merge the message's clock, then tick the receiver's own entry.
    public mutating func receive(_ message: VectorClock, at node: String) {
        merge(message)
        tick(node)
    }

    /// The least upper bound of two clocks.
    public func merged(with other: VectorClock) -> VectorClock {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// How this clock relates to `other` in the happened-before partial order.
    public func compare(_ other: VectorClock) -> CausalOrder {
        var someLess = false
        var someGreater = false
        for node in Set(entries.keys).union(other.entries.keys) {
            let mine = self[node]
            let theirs = other[node]
            if mine < theirs { someLess = true }
            if mine > theirs { someGreater = true }
            if someLess && someGreater { return .concurrent }
        }
        switch (someLess, someGreater) {
        case (false, false): return .equal
        case (true, false): return .before
        case (false, true): return .after
        case (true, true): return .concurrent
        }
    }

    /// True when every entry of `self` is at most the matching entry of `other`.
    public func isDominated(by other: VectorClock) -> Bool {
        entries.allSatisfy { $0.value <= other[$0.key] }
    }

    /// Node ids in a stable order (sorted), for deterministic output.
    public var sortedNodes: [String] { entries.keys.sorted() }
}

/// The relation of two vector clocks.
public enum CausalOrder: String, Sendable, Codable {
    /// The left clock happened before the right one.
    case before
    /// The left clock happened after the right one.
    case after
    /// Both clocks are the same.
    case equal
    /// Neither happened before the other.
    case concurrent
}
