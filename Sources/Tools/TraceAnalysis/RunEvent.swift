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

    /// The clock as an array by node number, whether it also names nodes outside the index, and the sum of its
    /// entries (wrapping). `memo` remembers the node numbers of the last clock's keys in their storage order:
    /// consecutive clocks of one file share their keys, so most keys are found without hashing.
    func dense(
        _ clock: VectorClock, memo: inout ClockPositions
    ) -> (values: [UInt64], external: Bool, sum: UInt64) {
        var values = [UInt64](repeating: 0, count: names.count)
        var external = false
        var sum: UInt64 = 0
        var slot = 0
        for (node, counter) in clock.sortedEntries {
            sum &+= counter
            let position: Int
            if slot < memo.names.count && memo.names[slot] == node {
                position = memo.positions[slot]
            } else {
                position = positions[node] ?? -1
                if slot < memo.names.count {
                    memo.names[slot] = node
                    memo.positions[slot] = position
                } else {
                    memo.names.append(node)
                    memo.positions.append(position)
                }
            }
            if position >= 0 { values[position] = counter } else { external = true }
            slot += 1
        }
        return (values, external, sum)
    }
}

/// Node numbers of the keys of the last clock `NodeIndex.dense` saw, in its storage order (-1: not in the index).
struct ClockPositions {
    var names: [String] = []
    var positions: [Int] = []
}

/// One event as read from a run: the event, where it came from, and its merge key.
///
/// A class, so that handing events through the merge and keeping the last one per node costs one retain.
///
/// `@unchecked Sendable` is sound: every stored property is a `let` but `payloads`, which is set by the thread that
/// builds the event and cleared (`dropPayloads`) only by the one thread the event was handed to through a lock (the
/// run loader's channel), after the checks saw it.
public final class RunEvent: @unchecked Sendable {
    /// The event's envelope (node, pid, seq, kind, ids, clock): the whole event, or the event without its `data` when
    /// the reader kept an RPC event's `data` raw (then `event` decodes it). The checks read the envelope.
    public let envelope: TraceEvent
    /// The bytes of an RPC event's `data` as the reader kept them, or nil when `envelope` holds it.
    private let rawData: [UInt8]?
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
    /// The payloads, when decoded with the event (the run loader's reader threads do); nil: decoded when read.
    private(set) var payloads: EventPayloads?

    /// The whole event, its `data` decoded from the bytes the reader kept when it kept them raw (explanations and
    /// renderers read it; the checks read `envelope` and the payloads).
    public var event: TraceEvent {
        guard let rawData else { return envelope }
        var event = envelope
        event.data = RPCDataFields.object(rawData) ?? [:]
        return event
    }

    public convenience init(_ event: TraceEvent, line: Int = 0, index: NodeIndex) {
        var memo = ClockPositions()
        self.init(event, line: line, index: index, memo: &memo, decodingPayloads: false)
    }

    /// With `decodingPayloads`, decodes the event's payloads now (on the calling thread) for the checks. `memo`
    /// carries key positions from one event of a file to the next (`NodeIndex.dense`). `rawData`: the `data` of an
    /// RPC event as the reader kept it (`event.data` is then empty).
    init(
        _ event: TraceEvent, line: Int, index: NodeIndex, memo: inout ClockPositions, decodingPayloads: Bool,
        rawData: RPCDataFields? = nil
    ) {
        envelope = event
        self.rawData = rawData?.raw
        self.line = line
        node = index.position(event.node) ?? -1
        (dense, external, clockSum) = index.dense(event.clock, memo: &memo)
        guard decodingPayloads else {
            payloads = nil
            return
        }
        if let rawData, let rpc = RPCEvent(kind: event.kind, fields: rawData) {
            payloads = EventPayloads(rpc: rpc)
        } else {
            payloads = EventPayloads(self.event)
        }
    }

    /// Releases the payloads decoded with the event once the checks saw it (events the checks keep hold less
    /// memory; a later read decodes them again, with the same result).
    func dropPayloads() { payloads = nil }

    /// vc(self) ≤ vc(other), entry by entry.
    func isDominated(by other: RunEvent) -> Bool {
        if external || other.external { return envelope.clock.isDominated(by: other.envelope.clock) }
        for position in dense.indices where dense[position] > other.dense[position] { return false }
        return true
    }

    /// How this event's clock relates to `other`'s.
    func compare(_ other: RunEvent) -> CausalOrder {
        if external || other.external { return envelope.clock.compare(other.envelope.clock) }
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
