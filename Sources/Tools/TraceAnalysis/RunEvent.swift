import Causality
import TraceFormat

/// The fields of a `RunEvent`, held in its header (see there). Public only because `RunEvent`'s superclass names it.
///
/// Laid out for the merge thread, which reads the event on another core than the one that made it: the fields it
/// reads on every event come first (45 bytes, on the cache line of the object's reference count), the rest after.
/// Few references (each a retain when the event is made, a release when it is freed): the kind and the whole clock
/// are derived (from `kindName`, the counters) or held in `rare` only by the events that need them; a compact RPC
/// event holds its node's name (inline when short), the index, its span and message keys, and nothing else.
public struct RunEventFields {
    // Read on every event.
    let clockSum: UInt64
    let sequence: UInt64
    let line: Int
    /// How many clock counters the elements start with.
    let counters: Int
    let pid: Int32
    /// The recording node's number in `index` (-1: not in it).
    let node: Int32
    let kindCode: KindCode
    /// The kind's position in `KindCode.names`, or `RunEventFields.kindInRare` (then `rare` holds it).
    let kindName: UInt8
    let external: Bool
    /// An RPC event read in compact form: its `keys` were checked against the RPC payloads' bounds, and it has no
    /// other payload the checks read (`payloads` is nil).
    let compactRPC: Bool
    /// Whether `keys` holds the message keys (`present`), the event has none (`absent`), or they were not decoded
    /// yet (`unknown`: an event built without its payloads; `RunState.rpcMessage` decodes them when asked).
    var keyState: MessageKeyState
    var keys: MessageKeyFields
    /// The span id: its hash, and where the kept line holds it (an event decoded whole holds it in `rare.whole`).
    let span: EventID
    // Read by some checks, or when asked. The node's name is stored (read by several checks on every event): derived
    // from `index.names`, it was a read of the index's first cache line, which every reader thread writes (its
    // reference count, retained by every event).
    let nodeName: String
    let wallTimeNanos: Int64
    let index: NodeIndex
    /// How many bytes the kept line has (0: none kept).
    let lineBytes: Int
    /// Where the kept line starts when it is not in the elements: in `lineMember`, which the event retains (the
    /// reader's inflated member, or a copy of the line once the checks kept the event: `RunEvent.detachLine`); nil:
    /// the line's bytes follow the counters.
    var lineStart: UnsafePointer<UInt8>?
    var lineMember: InflatedMember?
    var payloads: EventPayloads?
    /// What few events hold: the event decoded whole, or a compact event's clock outside the index or kind outside
    /// `KindCode.names`; nil for the others.
    let rare: RareEventFields?

    /// `kindName` of a kind that `rare` holds.
    static let kindInRare = UInt8.max
}

/// Whether a `RunEvent`'s message keys are known (`RunEventFields.keyState`).
enum MessageKeyState: UInt8 {
    case unknown, absent, present
}

/// The fields of a `RunEvent` that few events have (`RunEventFields.rare`).
final class RareEventFields: Sendable {
    /// The event as decoded whole (its `data` empty when `rawData` holds it); nil for an event read in compact form
    /// (then the line's bytes are kept).
    let whole: TraceEvent?
    /// An RPC event's `data` as the reader kept its bytes.
    let rawData: [UInt8]?
    /// A compact event's whole clock when it names nodes outside the index (`RunEvent.external`), else empty.
    let clock: VectorClock
    /// A compact event's kind, when it is not in `KindCode.names`.
    let kind: EventKind?

    /// For an event decoded whole.
    init(whole: TraceEvent, rawData: [UInt8]?) {
        (self.whole, self.rawData, clock, kind) = (whole, rawData, VectorClock(), nil)
    }

    /// For an event read in compact form.
    init(clock: VectorClock, kind: EventKind?) { (whole, rawData, self.clock, self.kind) = (nil, nil, clock, kind) }

    /// The kind of an event decoded whole, or a compact event's `kind` (out of line: `RunEvent.kind` is inlined into
    /// the checks, and seldom comes here).
    @inline(never) var heldKind: EventKind { whole?.kind ?? kind! }
}

/// One event as read from a run: the event, where it came from, and its merge key.
///
/// One heap object per event (the reader makes one per line, the merge thread reads and retains it): a
/// `ManagedBuffer` whose header holds the fields (`RunEventFields`: merge key, envelope scalars, kind code, an RPC
/// event's message keys, the payloads) and whose elements hold the clock's counters by node number. An event read
/// in compact form keeps its line: in the gzip member the reader inflated (retained, not copied: 2–5 % of the check's
/// time, more when the machine is busy), or, for a line zlib read, after the counters. Made by the `make`
/// functions.
///
/// A member stays in memory while one of its events does. The merge detaches the events the checks kept from their
/// member when it hands their batch back (`EventBatch.detachKept`), so only the events in flight hold members.
///
/// Not `Sendable` (a `ManagedBuffer` cannot be): the run loader hands an event from the reader thread that built it
/// to the merge thread through a lock (its channel); the header's `var`s (`payloads`, `keyState`, `keys`, the kept
/// line's place) are then changed (`dropPayloads`, `RunState.rpcMessage`, `detachLine`) only by that one thread; the
/// elements never change.
public final class RunEvent: ManagedBuffer<RunEventFields, UInt64> {
    /// What the checks read of the event on every event: node, pid, seq, kind, wall time (and the clock when it
    /// names nodes outside the index), read from the header when asked; the span id is `spanID`. The rest of the event is in `event`,
    /// built when asked.
    public var envelope: RunEnvelope { RunEnvelope(self) }
    /// 1-based line in the node's decompressed file (0 for events built in memory).
    public var line: Int { header.line }
    /// The sum of the clock's entries: a linear extension of happened-before (`a → b` ⇒ `sum(a) < sum(b)`).
    public var clockSum: UInt64 { header.clockSum }
    /// The recording node's number in the run's `NodeIndex`.
    var node: Int { Int(header.node) }
    /// The event's kind as a small number (`KindCode`), recognised when the event was read.
    var kindCode: KindCode { header.kindCode }
    /// The clock by node number, read in place from the event's elements.
    var dense: ClockCounters { ClockCounters(self) }
    /// True when the clock names nodes outside the index (then `envelope.clock` holds the whole clock).
    var external: Bool { header.external }
    /// The payloads, when decoded with the event (the run loader's reader threads do); nil: decoded when read.
    var payloads: EventPayloads? { header.payloads }
    /// True for an RPC event read in compact form (see `RunEventFields.compactRPC`).
    var compactRPC: Bool { header.compactRPC }
    /// The run's nodes, to name the entries of `dense` (`clock`).
    private var index: NodeIndex { header.index }

    /// The span id (`TraceEvent.spanID`), built from the kept line for an event read in compact form.
    public var spanID: String? {
        if let whole = header.rare?.whole { return whole.spanID }
        let span = header.span
        guard span.isPresent else { return nil }
        return withLine { String(decoding: span.bytes(in: $0), as: UTF8.self) }
    }

    /// True when the event has a span id.
    var hasSpan: Bool { header.span.isPresent }

    /// `IDHash.of(spanID)` (0 without a span id), computed by the reader.
    var spanHash: UInt64 { header.span.hash }

    /// The span id as the checks' tables keep it (`hasSpan` must hold).
    var spanKey: PackedID {
        if let whole = header.rare?.whole { return PackedID(whole.spanID!) }
        let span = header.span
        return withLine { PackedID(span.bytes(in: $0)) }
    }

    /// `envelope.node`: as the event spells it.
    var nodeName: String { header.nodeName }

    /// `envelope.kind`: by its position in `KindCode.names`, else as the event holds it.
    @inline(__always) var kind: EventKind {
        let name = header.kindName
        if name != RunEventFields.kindInRare { return KindCode.names[Int(name)] }
        // `make` keeps a kind outside the names in `rare` (whole, or a compact event's `kind`).
        return header.rare!.heldKind
    }

    /// `envelope.clock`: as decoded (a compact event's is empty unless `external`).
    var decodedClock: VectorClock {
        guard let rare = header.rare else { return VectorClock() }
        return rare.whole?.clock ?? rare.clock
    }

    /// The whole event, its `data` decoded from the bytes the reader kept when it kept them raw (explanations and
    /// renderers read it; the checks read `envelope`, `dense` and the payloads).
    public var event: TraceEvent {
        var event: TraceEvent
        if let rare = header.rare, let whole = rare.whole {
            event = whole
            if let rawData = rare.rawData { event.data = RPCDataFields.object(rawData) ?? [:] }
        } else {
            event = withLine { Self.decode(line: $0) } ?? envelopeOnly
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
            sequence: envelope.sequence, kind: envelope.kind, spanID: spanID, clock: envelope.clock)
    }

    /// Calls `body` with the kept line bytes (empty when none were kept).
    func withLine<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let (counters, count) = (header.counters, header.lineBytes)
        // `lineMember` holds these bytes for as long as the event does.
        if let start = header.lineStart { return try body(UnsafeBufferPointer(start: start, count: count)) }
        return try withUnsafeMutablePointerToElements { elements in
            let start = UnsafeRawPointer(elements + counters).assumingMemoryBound(to: UInt8.self)
            return try body(UnsafeBufferPointer(start: count > 0 ? start : nil, count: count))
        }
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
        let names = index.names
        var entries: [VectorClock.Entry] = []
        entries.reserveCapacity(header.counters)
        for (position, counter) in dense.enumerated() where counter > 0 {
            entries.append((key: names[position], value: counter))
        }
        return VectorClock(entries)
    }

    /// Moves the kept line out of the reader's member into storage of its own, so that the member can be reused
    /// while the checks keep this event (called on the merge thread, see `EventBatch.detachKept`).
    func detachLine() {
        guard let start = header.lineStart else { return }
        let own = InflatedMember(copying: UnsafeBufferPointer(start: start, count: header.lineBytes))
        header.lineStart = own.start
        header.lineMember = own
    }

    /// Releases the payloads decoded with the event once the checks saw it (events the checks keep hold less
    /// memory; a later read decodes them again, with the same result).
    func dropPayloads() { header.payloads = nil }

    /// Records the message keys decoded after the event was built (`RunState.rpcMessage`).
    func setKeys(_ keys: MessageKeyFields?) {
        if let keys {
            header.keys = keys
            header.keyState = .present
        } else {
            header.keyState = .absent
        }
    }

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
