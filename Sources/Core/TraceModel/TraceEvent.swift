import Causality

/// One recorded event of one node: the unit of the trace format (see `docs/trace-format.md`).
public struct TraceEvent: Sendable, Equatable {
    /// The version of the trace format this library writes.
    public static let schemaVersion = 1

    /// Schema version of this event (`v`).
    public var version: Int
    /// Wall time in unix nanoseconds (`ts`).
    public var wallTimeNanos: Int64
    /// The node that recorded the event (`node`).
    public var node: String
    /// Process id of the recorder (`pid`): a restarted node keeps its name and gets a new pid.
    public var pid: Int32
    /// Per-node sequence number, 1-based, strictly increasing within one process (`seq`).
    public var sequence: UInt64
    /// What happened (`kind`).
    public var kind: EventKind
    /// The trace (order) this event belongs to, 32 hex digits (`trace`).
    public var traceID: String?
    /// The span this event belongs to, 16 hex digits (`span`).
    public var spanID: String?
    /// The span's parent (`parent`).
    public var parentSpanID: String?
    /// The node's full vector clock after this event (`vc`).
    public var clock: VectorClock
    /// Kind-specific fields (`data`), as recorded: a dictionary or a typed payload.
    public var fields: TraceEventFields

    /// Kind-specific fields (`data`). For an event recorded from a typed payload the dictionary is built on read.
    public var data: [String: TraceValue] {
        get { fields.dictionary }
        _modify {
            var data = fields.dictionary
            fields = TraceEventFields([:])  // the dictionary stays uniquely referenced while it is mutated
            defer { fields = TraceEventFields(data) }
            yield &data
        }
        set { fields = TraceEventFields(newValue) }
    }

    public init(
        version: Int = TraceEvent.schemaVersion, wallTimeNanos: Int64, node: String, pid: Int32, sequence: UInt64,
        kind: EventKind, traceID: String? = nil, spanID: String? = nil, parentSpanID: String? = nil,
        clock: VectorClock, data: [String: TraceValue] = [:]
    ) {
        self.init(
            wallTimeNanos: wallTimeNanos, node: node, pid: pid, sequence: sequence, kind: kind, traceID: traceID,
            spanID: spanID, parentSpanID: parentSpanID, clock: clock, fields: TraceEventFields(data))
        self.version = version
    }

    /// An event whose `data` is `fields` (a typed payload is kept as it is, for the writer to encode directly).
    public init(
        wallTimeNanos: Int64, node: String, pid: Int32, sequence: UInt64, kind: EventKind, traceID: String?,
        spanID: String?, parentSpanID: String?, clock: VectorClock, fields: TraceEventFields
    ) {
        self.version = TraceEvent.schemaVersion
        self.wallTimeNanos = wallTimeNanos
        self.node = node
        self.pid = pid
        self.sequence = sequence
        self.kind = kind
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.clock = clock
        self.fields = fields
    }

    /// A short handle for messages: `node#seq`.
    public var handle: String { "\(node)#\(sequence)" }

    /// Equal envelopes and equal `data`, however each side holds its fields.
    public static func == (lhs: TraceEvent, rhs: TraceEvent) -> Bool {
        lhs.version == rhs.version && lhs.wallTimeNanos == rhs.wallTimeNanos && lhs.node == rhs.node
            && lhs.pid == rhs.pid && lhs.sequence == rhs.sequence && lhs.kind == rhs.kind && lhs.traceID == rhs.traceID
            && lhs.spanID == rhs.spanID && lhs.parentSpanID == rhs.parentSpanID && lhs.clock == rhs.clock
            && lhs.data == rhs.data
    }
}

/// The kind of an event. Open for extension: later layers add their own kinds.
public struct EventKind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// A client sends a request (`data`: msg, peer, method).
    public static let rpcSend = EventKind("rpc.send")
    /// A server receives a request (`data`: msg, peer, method).
    public static let rpcReceive = EventKind("rpc.receive")
    /// A server sends its reply (`data`: msg?, peer?, method, status = `ok` or an error code name,
    /// http_status, duration_ns).
    public static let rpcReplySend = EventKind("rpc.reply.send")
    /// A client receives an HTTP reply, whatever its status (`data`: msg, peer, method, status = `ok`/`error`,
    /// http_status, duration_ns). A reply that cannot be decoded is still recorded here.
    public static let rpcReplyReceive = EventKind("rpc.reply.receive")
    /// A client call ends without any HTTP reply: deadline exceeded or peer unavailable
    /// (`data`: msg, peer, method, status, error, duration_ns).
    public static let rpcFailure = EventKind("rpc.failure")
    /// A span begins (`data`: name).
    public static let spanStart = EventKind("span.start")
    /// A span ends (`data`: name, duration_ns, status).
    public static let spanEnd = EventKind("span.end")
    /// A log record (`data`: level, message, logger, attributes).
    public static let log = EventKind("log")
}
