import Causality
import TraceFormat

/// The nodes of a run, numbered in name order, so clocks can be compared as arrays instead of dictionaries.
public final class NodeIndex: Sendable {
    public let names: [String]
    /// Node name → number.
    let positions: [String: Int]

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
    /// The event's envelope (node, pid, seq, kind, ids): the whole event, or the event without its `data` when the
    /// reader kept an RPC event's `data` raw (then `event` decodes it), and without its clock when the reader decoded
    /// it by node number (then `clock` builds it from `dense`). The checks read the envelope and `dense`.
    public let envelope: TraceEvent
    /// The bytes of an RPC event's `data` as the reader kept them, or nil when `envelope` holds it.
    private let rawData: [UInt8]?
    /// 1-based line in the node's decompressed file (0 for events built in memory).
    public let line: Int
    /// The sum of the clock's entries: a linear extension of happened-before (`a → b` ⇒ `sum(a) < sum(b)`).
    public let clockSum: UInt64
    /// The recording node's number in the run's `NodeIndex`.
    let node: Int
    /// The event's kind as a small number (`KindCode`), recognised when the event was read.
    let kindCode: KindCode
    /// The clock by node number.
    let dense: [UInt64]
    /// True when the clock names nodes outside the index (then `envelope.clock` holds the whole clock).
    let external: Bool
    /// The run's nodes, to name the entries of `dense` (`clock`).
    private let index: NodeIndex
    /// The payloads, when decoded with the event (the run loader's reader threads do); nil: decoded when read.
    private(set) var payloads: EventPayloads?

    /// The whole event, its `data` decoded from the bytes the reader kept when it kept them raw (explanations and
    /// renderers read it; the checks read `envelope` and the payloads).
    public var event: TraceEvent {
        var event = envelope
        if let rawData { event.data = RPCDataFields.object(rawData) ?? [:] }
        if !external { event.clock = clock }
        return event
    }

    /// The clock's entry for `name` (0 when it has none), read without building the clock.
    func counter(_ name: String) -> UInt64 {
        if let position = index.positions[name] { return dense[position] }
        return external ? envelope.clock[name] : 0
    }

    /// The event's clock: `envelope.clock` when it names nodes outside the index, else built from `dense` (the index's
    /// names are sorted, as a clock's entries are).
    public var clock: VectorClock {
        guard !external else { return envelope.clock }
        var entries: [VectorClock.Entry] = []
        entries.reserveCapacity(dense.count)
        for (position, counter) in dense.enumerated() where counter > 0 {
            entries.append((key: index.names[position], value: counter))
        }
        return VectorClock(entries)
    }

    public convenience init(_ event: TraceEvent, line: Int = 0, index: NodeIndex) {
        var memo = ClockPositions()
        self.init(event, line: line, index: index, memo: &memo, decodingPayloads: false)
    }

    /// With `decodingPayloads`, decodes the event's payloads now (on the calling thread) for the checks. `memo`
    /// carries key positions from one event of a file to the next (`NodeIndex.dense`). `rawData`: the `data` of an
    /// RPC event as the reader kept it (`event.data` is then empty).
    /// `denseClock`: the clock as the reader decoded it by `index`'s numbers (then `event.clock` is empty unless
    /// `denseClock.external`); nil: decoded here from `event.clock`.
    init(
        _ event: TraceEvent, line: Int, index: NodeIndex, memo: inout ClockPositions, decodingPayloads: Bool,
        rawData: RPCDataFields? = nil, denseClock: DenseClock? = nil
    ) {
        envelope = event
        self.rawData = rawData?.raw
        self.line = line
        self.index = index
        node = index.position(event.node) ?? -1
        kindCode = KindCode(event.kind)
        if let denseClock {
            (dense, external, clockSum) = (denseClock.values, denseClock.external, denseClock.sum)
        } else {
            (dense, external, clockSum) = index.dense(event.clock, memo: &memo)
        }
        guard decodingPayloads else {
            payloads = nil
            return
        }
        if let rawData, let rpc = RPCEvent(kind: event.kind, fields: rawData) {
            payloads = EventPayloads(rpc: rpc)
        } else {
            // The payloads read `data` only: the envelope holds it unless it was kept raw.
            payloads = EventPayloads(rawData == nil ? envelope : self.event)
        }
    }

    /// Releases the payloads decoded with the event once the checks saw it (events the checks keep hold less
    /// memory; a later read decodes them again, with the same result).
    func dropPayloads() { payloads = nil }

    /// vc(self) ≤ vc(other), entry by entry.
    func isDominated(by other: RunEvent) -> Bool {
        if external || other.external { return clock.isDominated(by: other.clock) }
        for position in dense.indices where dense[position] > other.dense[position] { return false }
        return true
    }

    /// How this event's clock relates to `other`'s.
    func compare(_ other: RunEvent) -> CausalOrder {
        if external || other.external { return clock.compare(other.clock) }
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
