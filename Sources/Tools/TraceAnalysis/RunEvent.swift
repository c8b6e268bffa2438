import Causality
import TraceFormat

/// The nodes of a run, numbered in name order, so clocks can be compared as arrays instead of dictionaries.
public final class NodeIndex: Sendable {
    public let names: [String]
    private let positions: [String: Int]

    public init(_ names: some Sequence<String>) {
        self.names = Set(names).sorted()
        positions = Dictionary(uniqueKeysWithValues: self.names.enumerated().map { ($1, $0) })
    }

    public func position(_ node: String) -> Int? { positions[node] }

    /// The clock as an array by node number, and whether it also names nodes outside the index.
    func dense(_ clock: VectorClock) -> (values: [UInt64], external: Bool) {
        var values = [UInt64](repeating: 0, count: names.count)
        var external = false
        for (node, counter) in clock.sortedEntries {
            if let position = positions[node] { values[position] = counter } else { external = true }
        }
        return (values, external)
    }
}

/// One event as read from a run: the event, where it came from, and its merge key.
///
/// A class, so that handing events through the merge and keeping the last one per node costs one retain.
public final class RunEvent: Sendable {
    public let event: TraceEvent
    /// 1-based line in the node's decompressed file (0 for events built in memory).
    public let line: Int
    /// The sum of the clock's entries: a linear extension of happened-before (`a → b` ⇒ `sum(a) < sum(b)`).
    public let clockSum: UInt64
    /// The recording node's number in the run's `NodeIndex`.
    let node: Int
    /// The clock by node number.
    let dense: [UInt64]
    /// True when the clock names nodes outside the index (then the dictionary clock is authoritative).
    let external: Bool

    public init(_ event: TraceEvent, line: Int = 0, index: NodeIndex) {
        self.event = event
        self.line = line
        clockSum = event.clock.counterSum
        node = index.position(event.node) ?? -1
        (dense, external) = index.dense(event.clock)
    }

    /// vc(self) ≤ vc(other), entry by entry.
    func isDominated(by other: RunEvent) -> Bool {
        if external || other.external { return event.clock.isDominated(by: other.event.clock) }
        for position in dense.indices where dense[position] > other.dense[position] { return false }
        return true
    }

    /// How this event's clock relates to `other`'s.
    func compare(_ other: RunEvent) -> CausalOrder {
        if external || other.external { return event.clock.compare(other.event.clock) }
        var less = false
        var greater = false
        for position in dense.indices {
            if dense[position] < other.dense[position] {
                less = true
            } else if dense[position] > other.dense[position] {
                greater = true
            }
        }
        switch (less, greater) {
        case (false, false): return .equal
        case (true, false): return .before
        case (false, true): return .after
        case (true, true): return .concurrent
        }
    }
}
