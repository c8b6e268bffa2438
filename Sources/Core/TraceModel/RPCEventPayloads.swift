/// Payloads of the RPC events (`docs/trace-format.md` §4.2), recorded by `RPCClient` and `RequestDispatcher`.

/// A client sends a request (`rpc.send`).
public struct RPCSend: TraceEventPayload {
    public static let kind = EventKind.rpcSend
    /// Message id, `<node>-<pid>-<n>`.
    public var msg: String?
    /// The server's node name.
    public var peer: String?
    /// The operation: JSON-RPC method, or `"<HTTP method> <path>"` (always written; optional for old files).
    public var method: String?

    public init(msg: String?, peer: String?, method: String?) {
        self.msg = msg
        self.peer = peer
        self.method = method
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("method", method)
        data.put("msg", msg)
        data.put("peer", peer)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        let message = try RPCMessageFields(fields)
        self.init(msg: message.msg, peer: message.peer, method: message.method)
    }
}

/// A server receives a request (`rpc.receive`); `msg` and `peer` only when the caller sent them.
public struct RPCReceive: TraceEventPayload {
    public static let kind = EventKind.rpcReceive
    public var msg: String?
    /// The request's `x-sender`.
    public var peer: String?
    public var method: String?

    public init(msg: String?, peer: String?, method: String?) {
        self.msg = msg
        self.peer = peer
        self.method = method
    }

    public func encoded() -> [String: TraceValue] { RPCSend(msg: msg, peer: peer, method: method).encoded() }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        let message = try RPCMessageFields(fields)
        self.init(msg: message.msg, peer: message.peer, method: message.method)
    }
}

/// A server sends its reply (`rpc.reply.send`).
public struct RPCReplySend: TraceEventPayload {
    public static let kind = EventKind.rpcReplySend
    public var msg: String?
    public var peer: String?
    public var method: String?
    /// `ok` or an error code name.
    public var status: String?
    public var httpStatus: Int?
    public var durationNanos: Int64?

    public init(msg: String?, peer: String?, method: String?, status: String?, httpStatus: Int?, durationNanos: Int64?)
    {
        self.msg = msg
        self.peer = peer
        self.method = method
        self.status = status
        self.httpStatus = httpStatus
        self.durationNanos = durationNanos
    }

    public func encoded() -> [String: TraceValue] {
        var data = RPCSend(msg: msg, peer: peer, method: method).encoded()
        RPCOutcomeFields.put(status: status, httpStatus: httpStatus, durationNanos: durationNanos, into: &data)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        let message = try RPCMessageFields(fields)
        let outcome = try RPCOutcomeFields(fields)
        self.init(
            msg: message.msg, peer: message.peer, method: message.method, status: outcome.status,
            httpStatus: outcome.httpStatus, durationNanos: outcome.durationNanos)
    }
}

/// A client receives an HTTP reply, whatever its status (`rpc.reply.receive`); `msg` only when the server echoed it.
public struct RPCReplyReceive: TraceEventPayload {
    public static let kind = EventKind.rpcReplyReceive
    public var msg: String?
    public var peer: String?
    public var method: String?
    /// `ok` or `error`.
    public var status: String?
    public var httpStatus: Int?
    public var durationNanos: Int64?

    public init(msg: String?, peer: String?, method: String?, status: String?, httpStatus: Int?, durationNanos: Int64?)
    {
        self.msg = msg
        self.peer = peer
        self.method = method
        self.status = status
        self.httpStatus = httpStatus
        self.durationNanos = durationNanos
    }

    public func encoded() -> [String: TraceValue] {
        RPCReplySend(
            msg: msg, peer: peer, method: method, status: status, httpStatus: httpStatus, durationNanos: durationNanos
        ).encoded()
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        let message = try RPCMessageFields(fields)
        let outcome = try RPCOutcomeFields(fields)
        self.init(
            msg: message.msg, peer: message.peer, method: message.method, status: outcome.status,
            httpStatus: outcome.httpStatus, durationNanos: outcome.durationNanos)
    }
}

/// A client call ends without any HTTP reply (`rpc.failure`): deadline exceeded or peer unavailable.
public struct RPCFailure: TraceEventPayload {
    public static let kind = EventKind.rpcFailure
    public var msg: String?
    public var peer: String?
    public var method: String?
    /// `deadline_exceeded` or `unavailable`.
    public var status: String?
    /// What went wrong, in words.
    public var error: String?
    public var durationNanos: Int64?

    public init(msg: String?, peer: String?, method: String?, status: String?, error: String?, durationNanos: Int64?) {
        self.msg = msg
        self.peer = peer
        self.method = method
        self.status = status
        self.error = error
        self.durationNanos = durationNanos
    }

    public func encoded() -> [String: TraceValue] {
        var data = RPCSend(msg: msg, peer: peer, method: method).encoded()
        RPCOutcomeFields.put(status: status, httpStatus: nil, durationNanos: durationNanos, into: &data)
        data.put("error", error)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        let message = try RPCMessageFields(fields)
        let outcome = try RPCOutcomeFields(fields)
        self.init(
            msg: message.msg, peer: message.peer, method: message.method, status: outcome.status,
            error: try fields.string("error"), durationNanos: outcome.durationNanos)
    }
}

/// `msg`, `peer`, `method`: the fields every RPC event shares.
struct RPCMessageFields {
    var msg: String?
    var peer: String?
    var method: String?

    init(_ fields: PayloadFields) throws(PayloadError) {
        msg = try fields.string("msg", maxBytes: 1024)
        peer = try fields.string("peer", maxBytes: 1024)
        method = try fields.string("method")
    }
}

/// `status`, `http_status`, `duration_ns`: how an exchange ended.
struct RPCOutcomeFields {
    var status: String?
    var httpStatus: Int?
    var durationNanos: Int64?

    init(_ fields: PayloadFields) throws(PayloadError) {
        status = try fields.string("status", maxBytes: 256)
        httpStatus = try fields.integer("http_status", Int.self, in: 0...999)
        durationNanos = try fields.integer("duration_ns", Int64.self, in: 0...Int64.max)
    }

    static func put(status: String?, httpStatus: Int?, durationNanos: Int64?, into data: inout [String: TraceValue]) {
        data.put("status", status)
        data.put("http_status", httpStatus)
        data.put("duration_ns", durationNanos)
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

    /// The message id, when the event has one.
    public var msg: String? {
        switch self {
        case .send(let event): event.msg
        case .receive(let event): event.msg
        case .replySend(let event): event.msg
        case .replyReceive(let event): event.msg
        case .failure(let event): event.msg
        }
    }

    /// The other node, when the event names it.
    public var peer: String? {
        switch self {
        case .send(let event): event.peer
        case .receive(let event): event.peer
        case .replySend(let event): event.peer
        case .replyReceive(let event): event.peer
        case .failure(let event): event.peer
        }
    }

    /// The operation.
    public var method: String? {
        switch self {
        case .send(let event): event.method
        case .receive(let event): event.method
        case .replySend(let event): event.method
        case .replyReceive(let event): event.method
        case .failure(let event): event.method
        }
    }

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
