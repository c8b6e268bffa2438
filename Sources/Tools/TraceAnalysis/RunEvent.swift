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
    /// What the checks read of the event on every event: node, pid, seq, kind, wall time, span (and the clock when
    /// it names nodes outside the index). The rest of the event is in `event`, built when asked.
    public let envelope: RunEnvelope
    /// Where the whole event comes from.
    private let source: Source
    /// 1-based line in the node's decompressed file (0 for events built in memory).
    public let line: Int
    /// The sum of the clock's entries: a linear extension of happened-before (`a → b` ⇒ `sum(a) < sum(b)`).
    public let clockSum: UInt64
    /// The recording node's number in the run's `NodeIndex`.
    let node: Int
    /// The event's kind as a small number (`KindCode`), recognised when the event was read.
    let kindCode: KindCode
    /// The clock by node number (in the storage that also holds the line's bytes of a compact event).
    let dense: ClockCounters
    /// True when the clock names nodes outside the index (then `envelope.clock` holds the whole clock).
    let external: Bool
    /// The run's nodes, to name the entries of `dense` (`clock`).
    private let index: NodeIndex
    /// The payloads, when decoded with the event (the run loader's reader threads do); nil: decoded when read.
    private(set) var payloads: EventPayloads?
    /// For an RPC event read in compact form, whose `data` fields are within the RPC payloads' bounds: what the
    /// message checks pair on (then `payloads` is nil: such an event has no other payload the checks read, and its
    /// RPC payload is decoded from the line when an explanation asks). Nil for every other event.
    let rpcKeys: RPCMessageKeys?

    /// The whole event as the reader got it.
    private enum Source {
        /// Decoded whole, but for an RPC event's `data` when the reader kept its bytes (then the dictionary is
        /// empty) and for the clock when the reader decoded it by node number (then it is empty).
        case decoded(TraceEvent, rawData: [UInt8]?)
        /// An event decoded compactly (`CompactEvent`): the line's bytes (kept after the clock's counters, in
        /// `dense.storage`), decoded again when asked.
        case line
    }

    /// The whole event, its `data` decoded from the bytes the reader kept when it kept them raw (explanations and
    /// renderers read it; the checks read `envelope`, `dense` and the payloads).
    public var event: TraceEvent {
        var event: TraceEvent
        switch source {
        case .decoded(let decoded, let rawData):
            event = decoded
            if let rawData { event.data = RPCDataFields.object(rawData) ?? [:] }
        case .line:
            event = dense.storage.withLine { Self.decode(line: $0) } ?? envelopeOnly
        }
        if !external { event.clock = clock }
        return event
    }

    /// The event of a line the compact decode accepted (the whole decode accepts every such line).
    private static func decode(line bytes: UnsafeBufferPointer<UInt8>) -> TraceEvent? {
        var decoder = FastEventDecoder()
        return decoder.decode(bytes) ?? (try? TraceEventDecoder().decode(bytes))
    }

    /// The envelope as an event without `data` (never used for a line the reader accepted).
    private var envelopeOnly: TraceEvent {
        TraceEvent(
            wallTimeNanos: envelope.wallTimeNanos, node: envelope.node, pid: envelope.pid,
            sequence: envelope.sequence, kind: envelope.kind, spanID: envelope.spanID, clock: envelope.clock)
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
        envelope = RunEnvelope(event)
        source = .decoded(event, rawData: rawData?.raw)
        self.line = line
        self.index = index
        node = index.position(event.node) ?? -1
        kindCode = KindCode(event.kind)
        rpcKeys = nil
        let counters: [UInt64]
        if let denseClock {
            (counters, external, clockSum) = (denseClock.values, denseClock.external, denseClock.sum)
        } else {
            (counters, external, clockSum) = index.dense(event.clock, memo: &memo)
        }
        dense = ClockCounters(EventStorage.make(counters: counters))
        guard decodingPayloads else {
            payloads = nil
            return
        }
        if let rawData, let rpc = RPCEvent(kind: event.kind, fields: rawData) {
            payloads = EventPayloads(rpc: rpc)
        } else {
            // The payloads read `data` only: the decoded event holds it unless it was kept raw.
            payloads = EventPayloads(rawData == nil ? event : self.event)
        }
    }

    /// An event the reader decoded compactly, with its payloads, recorded by node number `node` (the file's node);
    /// `bytes` is its line. Nil when an RPC event's `data` fields are out of the RPC payloads' bounds (then decode
    /// the line whole, which names the error).
    init?(compact: CompactEvent, line: Int, bytes: UnsafeBufferPointer<UInt8>, node: Int, index: NodeIndex) {
        guard node >= 0 else { return nil }
        if compact.isRPC {
            guard let keys = RPCMessageKeys.of(kindNumber: compact.kindNumber, fields: compact.fields) else {
                return nil
            }
            (rpcKeys, payloads) = (keys, nil)
            kindCode = KindCode(rawValue: UInt8(compact.kindNumber))!
        } else {
            rpcKeys = nil
            payloads = EventPayloads(
                notRPC: compact.kind, fields: PayloadFields(list: compact.dataFields, kind: compact.kind))
            kindCode = KindCode(compact.kind)
        }
        envelope = RunEnvelope(
            node: index.names[node], pid: compact.pid, sequence: compact.sequence, kind: compact.kind,
            wallTimeNanos: compact.wallTimeNanos, spanID: compact.spanID, clock: compact.clock)
        source = .line
        self.line = line
        self.index = index
        self.node = node
        dense = compact.dense.values.withUnsafeBufferPointer {
            ClockCounters(EventStorage.make(counters: $0, line: bytes))
        }
        (external, clockSum) = (compact.dense.external, compact.dense.sum)
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
