/// Payloads of the RPC events (`docs/trace-format.md` §4.2), recorded by `RPCClient` and `RequestDispatcher`.

/// A client sends a request (`rpc.send`).
public struct RPCSend: RPCRequestPayload {
    public static let kind = EventKind.rpcSend
    /// `msg` (`<node>-<pid>-<n>`), `peer` (the server's node name) and `method` (always written; optional for old
    /// files).
    public var message: RPCMessageFields

    public init(message: RPCMessageFields) { self.message = message }
}

/// A server receives a request (`rpc.receive`); `msg` and `peer` (the request's `x-sender`) only when the caller
/// sent them.
public struct RPCReceive: RPCRequestPayload {
    public static let kind = EventKind.rpcReceive
    public var message: RPCMessageFields

    public init(message: RPCMessageFields) { self.message = message }
}

/// A server sends its reply (`rpc.reply.send`); `status` is `ok` or an error code name.
public struct RPCReplySend: RPCReplyPayload {
    public static let kind = EventKind.rpcReplySend
    public var message: RPCMessageFields
    public var outcome: RPCOutcomeFields

    public init(message: RPCMessageFields, outcome: RPCOutcomeFields) {
        self.message = message
        self.outcome = outcome
    }
}

/// A client receives an HTTP reply, whatever its status (`rpc.reply.receive`); `msg` only when the server echoed it;
/// `status` is `ok` or `error`.
public struct RPCReplyReceive: RPCReplyPayload {
    public static let kind = EventKind.rpcReplyReceive
    public var message: RPCMessageFields
    public var outcome: RPCOutcomeFields

    public init(message: RPCMessageFields, outcome: RPCOutcomeFields) {
        self.message = message
        self.outcome = outcome
    }
}

/// A client call ends without any HTTP reply (`rpc.failure`): deadline exceeded or peer unavailable.
public struct RPCFailure: RPCMessagePayload {
    public static let kind = EventKind.rpcFailure
    public var message: RPCMessageFields
    /// `deadline_exceeded` or `unavailable`.
    public var status: String?
    /// What went wrong, in words.
    public var error: String?
    public var durationNanos: Int64?

    public init(msg: String?, peer: String?, method: String?, status: String?, error: String?, durationNanos: Int64?) {
        message = RPCMessageFields(msg: msg, peer: peer, method: method)
        self.status = status
        self.error = error
        self.durationNanos = durationNanos
    }

    public func writeFields<Sink: TraceFieldSink>(to sink: inout Sink) {
        RPCFieldName.write(
            message: message, outcome: RPCOutcomeFields(status: status, httpStatus: nil, durationNanos: durationNanos),
            error: error, to: &sink)
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        message = try RPCMessageFields(fields)
        let outcome = try RPCOutcomeFields(fields)
        status = outcome.status
        durationNanos = outcome.durationNanos
        error = try fields.string(RPCFieldName.error.text)
    }
}

/// `msg`, `peer`, `method`: the fields every RPC event shares.
public struct RPCMessageFields: Sendable, Equatable {
    /// Message id, `<node>-<pid>-<n>`.
    public var msg: String?
    /// The other node's name.
    public var peer: String?
    /// The operation: JSON-RPC method, or `"<HTTP method> <path>"`.
    public var method: String?

    public init(msg: String?, peer: String?, method: String?) {
        self.msg = msg
        self.peer = peer
        self.method = method
    }

    init(_ fields: PayloadFields) throws(PayloadError) {
        msg = try fields.string(RPCFieldName.msg.text, maxBytes: 1024)
        peer = try fields.string(RPCFieldName.peer.text, maxBytes: 1024)
        method = try fields.string(RPCFieldName.method.text)
    }
}

/// `status`, `http_status`, `duration_ns`: how an exchange ended.
public struct RPCOutcomeFields: Sendable, Equatable {
    public var status: String?
    public var httpStatus: Int?
    public var durationNanos: Int64?

    public init(status: String?, httpStatus: Int?, durationNanos: Int64?) {
        self.status = status
        self.httpStatus = httpStatus
        self.durationNanos = durationNanos
    }

    init(_ fields: PayloadFields) throws(PayloadError) {
        status = try fields.string(RPCFieldName.status.text, maxBytes: 256)
        httpStatus = try fields.integer(RPCFieldName.httpStatus.text, Int.self, in: 0...999)
        durationNanos = try fields.integer(RPCFieldName.durationNanos.text, Int64.self, in: 0...Int64.max)
    }
}

/// The names of the RPC events' `data` fields (`docs/trace-format.md` §4.2), declared once for their writer and
/// their reader.
enum RPCFieldName {
    static let durationNanos: StaticString = "duration_ns"
    static let error: StaticString = "error"
    static let httpStatus: StaticString = "http_status"
    static let method: StaticString = "method"
    static let msg: StaticString = "msg"
    static let peer: StaticString = "peer"
    static let status: StaticString = "status"

    /// Writes the fields of an RPC event in ascending order of their names (the order on disk).
    static func write<Sink: TraceFieldSink>(
        message: RPCMessageFields, outcome: RPCOutcomeFields?, error: String?, to sink: inout Sink
    ) {
        sink.put(durationNanos, outcome?.durationNanos)
        sink.put(Self.error, error)
        sink.put(httpStatus, outcome?.httpStatus)
        sink.put(method, message.method)
        sink.put(msg, message.msg)
        sink.put(peer, message.peer)
        sink.put(status, outcome?.status)
    }
}

/// An RPC event payload: its `msg`, `peer` and `method` live in one `RPCMessageFields`.
public protocol RPCMessagePayload: TraceFieldsPayload {
    var message: RPCMessageFields { get set }
}

extension RPCMessagePayload {
    /// Message id, `<node>-<pid>-<n>`.
    public var msg: String? {
        get { message.msg }
        set { message.msg = newValue }
    }
    /// The other node's name.
    public var peer: String? {
        get { message.peer }
        set { message.peer = newValue }
    }
    /// The operation: JSON-RPC method, or `"<HTTP method> <path>"`.
    public var method: String? {
        get { message.method }
        set { message.method = newValue }
    }
}

/// A request payload (`rpc.send`, `rpc.receive`): the message fields, nothing else.
public protocol RPCRequestPayload: RPCMessagePayload {
    init(message: RPCMessageFields)
}

extension RPCRequestPayload {
    public init(msg: String?, peer: String?, method: String?) {
        self.init(message: RPCMessageFields(msg: msg, peer: peer, method: method))
    }

    public func writeFields<Sink: TraceFieldSink>(to sink: inout Sink) {
        RPCFieldName.write(message: message, outcome: nil, error: nil, to: &sink)
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(message: try RPCMessageFields(fields))
    }
}

/// A reply payload (`rpc.reply.send`, `rpc.reply.receive`): the message fields and how the exchange ended.
public protocol RPCReplyPayload: RPCMessagePayload {
    var outcome: RPCOutcomeFields { get set }
    init(message: RPCMessageFields, outcome: RPCOutcomeFields)
}

extension RPCReplyPayload {
    public init(msg: String?, peer: String?, method: String?, status: String?, httpStatus: Int?, durationNanos: Int64?)
    {
        self.init(
            message: RPCMessageFields(msg: msg, peer: peer, method: method),
            outcome: RPCOutcomeFields(status: status, httpStatus: httpStatus, durationNanos: durationNanos))
    }

    public func writeFields<Sink: TraceFieldSink>(to sink: inout Sink) {
        RPCFieldName.write(message: message, outcome: outcome, error: nil, to: &sink)
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(message: try RPCMessageFields(fields), outcome: try RPCOutcomeFields(fields))
    }

    /// `ok`, or how the exchange failed.
    public var status: String? {
        get { outcome.status }
        set { outcome.status = newValue }
    }
    public var httpStatus: Int? {
        get { outcome.httpStatus }
        set { outcome.httpStatus = newValue }
    }
    public var durationNanos: Int64? {
        get { outcome.durationNanos }
        set { outcome.durationNanos = newValue }
    }
}

/// A decoded RPC event: one case per RPC kind, carrying its payload.
public enum RPCEvent: Sendable, Equatable {
    case send(RPCSend)
    case receive(RPCReceive)
    case replySend(RPCReplySend)
    case replyReceive(RPCReplyReceive)
    case failure(RPCFailure)

    /// Decodes `event`: nil when it is not an RPC event; throws when it is but its `data` does not decode.
    public init?(_ event: TraceEvent) throws(PayloadError) {
        let fields = PayloadFields(event.data, kind: event.kind)
        switch event.kind {
        case .rpcSend: self = .send(try RPCSend(decoding: fields))
        case .rpcReceive: self = .receive(try RPCReceive(decoding: fields))
        case .rpcReplySend: self = .replySend(try RPCReplySend(decoding: fields))
        case .rpcReplyReceive: self = .replyReceive(try RPCReplyReceive(decoding: fields))
        case .rpcFailure: self = .failure(try RPCFailure(decoding: fields))
        default: return nil
        }
    }

    /// `event` decoded, or nil when it is not an RPC event or is malformed.
    public static func decoded(_ event: TraceEvent) -> RPCEvent? { (try? RPCEvent(event)) ?? nil }

    /// The fields every RPC event shares.
    public var message: RPCMessageFields {
        switch self {
        case .send(let event): event.message
        case .receive(let event): event.message
        case .replySend(let event): event.message
        case .replyReceive(let event): event.message
        case .failure(let event): event.message
        }
    }

    /// The message id, when the event has one.
    public var msg: String? { message.msg }
    /// The other node, when the event names it.
    public var peer: String? { message.peer }
    /// The operation.
    public var method: String? { message.method }

    /// The outcome class (`ok`, an error code name, …), for the kinds that end an exchange.
    public var status: String? {
        switch self {
        case .send, .receive: nil
        case .replySend(let event): event.status
        case .replyReceive(let event): event.status
        case .failure(let event): event.status
        }
    }
}
