import ClusterProtocol
import TraceFormat

/// The decoded payloads of one event: its RPC payload, its protocol payload, and why a span or log payload does not
/// decode. The run loader's reader threads decode them while they read
/// (`RunEvent.make(_:line:index:memo:decodingPayloads:…)`), so the thread that merges and checks only reads them; the
/// decoding is the same either way.
final class EventPayloads: Sendable {
    let rpc: Result<RPCEvent?, PayloadError>
    let protocolEvent: Result<ProtocolEvent?, PayloadError>
    /// Why a `span.start`, `span.end` or `log` payload does not decode (nil for other kinds).
    let other: PayloadError?
    /// Why the event, of a kind the format defines, does not decode into its payload; nil when it decodes or its
    /// kind is unknown.
    let error: PayloadError?
    /// For an RPC event that decodes: what the message checks pair on. Kept here, read once: copying an `RPCEvent`
    /// out of its `Result` retains every string it holds.
    let message: MessageKeyFields?

    convenience init(_ event: TraceEvent) {
        self.init(
            kind: event.kind, fields: PayloadFields(event.data, kind: event.kind),
            rpc: Result { () throws(PayloadError) -> RPCEvent? in try RPCEvent(event) })
    }

    /// The payloads of an event of `kind`, which is none of the five RPC kinds `RPCEvent` decodes, with the `data`
    /// fields `fields` (as a reader took them from the line's bytes).
    convenience init(notRPC kind: EventKind, fields: PayloadFields) {
        self.init(kind: kind, fields: fields, rpc: .success(nil))
    }

    private init(kind: EventKind, fields: PayloadFields, rpc: Result<RPCEvent?, PayloadError>) {
        self.rpc = rpc
        // The RPC kinds are not protocol kinds: an RPC event is no protocol event (no need to ask).
        if case .success(nil) = rpc {
            protocolEvent = Result { () throws(PayloadError) -> ProtocolEvent? in
                try ProtocolEvent(kind: kind, fields: fields)
            }
        } else {
            protocolEvent = .success(nil)
        }
        let other: PayloadError?
        do {
            switch kind {
            case .spanStart: _ = try SpanStart(decoding: fields)
            case .spanEnd: _ = try SpanEnd(decoding: fields)
            case .log: _ = try LogRecord(decoding: fields)
            default: break
            }
            other = nil
        } catch {
            other = error
        }
        self.other = other
        switch rpc {
        case .failure(let error):
            self.error = error
        case .success(let decoded?):
            error = nil
            message = MessageKeyFields(decoded)
            return
        case .success(nil):
            if case .failure(let error) = protocolEvent { self.error = error } else { error = other }
        }
        message = nil
    }

    /// The payloads of an RPC event decoded from its raw `data` fields (`RPCEvent(kind:fields:)`).
    init(rpc: RPCEvent) {
        self.rpc = .success(rpc)
        protocolEvent = .success(nil)
        other = nil
        error = nil
        message = MessageKeyFields(rpc)
    }
}

/// The payloads of the event the checks are looking at, for events built without them: each event's `data` is
/// decoded at most once per pass, however many checks read it.
struct DecodedPayloads {
    /// The event decoded (held, so that its identity is not reused while cached).
    fileprivate var event: RunEvent?
    fileprivate var payloads: EventPayloads?
}

extension RunState {
    /// `event` as an RPC event; nil for other kinds and malformed events. (An RPC event read in compact form has
    /// only its message keys: its payload is decoded from its line here, as explanations ask.)
    func rpc(_ event: RunEvent) -> RPCEvent? {
        (try? payloads(event).rpc.get()) ?? nil
    }

    /// The message keys of `event` when it is an RPC event that decodes (`rpc(_:)`); nil for other kinds and
    /// malformed events.
    func rpcMessage(_ event: RunEvent) -> RPCMessageKeys? {
        switch event.header.keyState {
        case .present: return RPCMessageKeys(event)
        case .absent: return nil
        case .unknown:
            // An event built without its payloads: decoded once, kept in the event.
            event.setKeys(payloads(event).message)
            return event.header.keyState == .present ? RPCMessageKeys(event) : nil
        }
    }

    /// True when node number `number` (of `numbers`) has a trace file; the name is looked up only for a number
    /// outside the index.
    func isTraced(number: Int) -> Bool {
        number < isTraced.count ? isTraced[number] : isTraced(number, numbers.name(number))
    }

    /// `event` as a protocol event (queue, election, executor, …); nil for other kinds and malformed events.
    func protocolEvent(_ event: RunEvent) -> ProtocolEvent? {
        // An RPC event read in compact form is no protocol event.
        if event.compactRPC { return nil }
        return (try? payloads(event).protocolEvent.get()) ?? nil
    }

    /// Why `event`, of a kind the format defines (RPC, protocol, span, log), does not decode into its payload; nil
    /// when it decodes or its kind is unknown.
    func payloadError(_ event: RunEvent) -> PayloadError? {
        // An RPC event read in compact form decodes (its fields were checked against the payloads' bounds).
        if event.compactRPC { return nil }
        return payloads(event).error
    }

    private func payloads(_ event: RunEvent) -> EventPayloads {
        if let payloads = event.payloads { return payloads }
        if decoded.event === event, let payloads = decoded.payloads { return payloads }
        let payloads = EventPayloads(event.event)
        decoded = DecodedPayloads(event: event, payloads: payloads)
        return payloads
    }
}

extension RPCEvent {
    /// The RPC event of `kind` with the raw `data` fields, exactly as `RPCEvent(_:)` decodes the dictionary they
    /// stand for; nil when `kind` is no RPC kind or a field is out of its bounds (then decode the whole event, which
    /// names the error).
    init?(kind: EventKind, fields: RPCDataFields) {
        guard let number = CompactEvent.kinds.firstIndex(of: kind),
            Self.fieldsInBounds(CompactRPCFields(fields), kindNumber: number)
        else { return nil }
        let message = RPCMessageFields(msg: fields.msg, peer: fields.peer, method: fields.method)
        switch kind {
        case .rpcSend: self = .send(RPCSend(message: message))
        case .rpcReceive: self = .receive(RPCReceive(message: message))
        case .rpcReplySend, .rpcReplyReceive:
            let outcome = RPCOutcomeFields(
                status: fields.status, httpStatus: fields.httpStatus.map { Int($0) },
                durationNanos: fields.durationNanos)
            self =
                kind == .rpcReplySend
                ? .replySend(RPCReplySend(message: message, outcome: outcome))
                : .replyReceive(RPCReplyReceive(message: message, outcome: outcome))
        default:
            self = .failure(
                RPCFailure(
                    msg: fields.msg, peer: fields.peer, method: fields.method, status: fields.status,
                    error: fields.error, durationNanos: fields.durationNanos))
        }
    }

    /// True when `kindNumber` is the position of one of the five RPC kinds in `CompactEvent.kinds` (send, receive,
    /// reply send, reply receive, failure) and `fields` are within the bounds `RPCEvent(_:)` checks for it: msg and
    /// peer ≤ 1024 bytes, method ≤ 1 MiB; for the outcome kinds status ≤ 256 bytes, http_status 0...999,
    /// duration_ns ≥ 0; for `rpc.failure` error ≤ 1 MiB.
    static func fieldsInBounds(_ fields: CompactRPCFields, kindNumber: Int) -> Bool {
        guard (0...4).contains(kindNumber), fields.msgLength <= 1024, fields.peerLength <= 1024,
            fields.methodLength <= 1 << 20
        else { return false }
        guard kindNumber >= 2 else { return true }
        guard fields.statusLength <= 256 else { return false }
        if let value = fields.httpStatus, !(0...999).contains(value) { return false }
        if let duration = fields.durationNanos, duration < 0 { return false }
        return kindNumber != 4 || fields.errorLength <= 1 << 20
    }
}
