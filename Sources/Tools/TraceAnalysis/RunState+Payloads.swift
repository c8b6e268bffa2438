import ClusterProtocol
import TraceFormat

/// The decoded payloads of one event: its RPC payload, its protocol payload, and why a span or log payload does not
/// decode. The run loader's reader threads decode them while they read (`RunEvent(_:line:index:decodingPayloads:)`),
/// so the thread that merges and checks only reads them; the decoding is the same either way.
final class EventPayloads: Sendable {
    let rpc: Result<RPCEvent?, PayloadError>
    let protocolEvent: Result<ProtocolEvent?, PayloadError>
    /// Why a `span.start`, `span.end` or `log` payload does not decode (nil for other kinds).
    let other: PayloadError?

    init(_ event: TraceEvent) {
        let rpc = Result { () throws(PayloadError) -> RPCEvent? in try RPCEvent(event) }
        self.rpc = rpc
        // The RPC kinds are not protocol kinds: an RPC event is no protocol event (no need to ask).
        if case .success(nil) = rpc {
            protocolEvent = Result { () throws(PayloadError) -> ProtocolEvent? in try ProtocolEvent(event) }
        } else {
            protocolEvent = .success(nil)
        }
        do {
            switch event.kind {
            case .spanStart: _ = try event.decodePayload(SpanStart.self)
            case .spanEnd: _ = try event.decodePayload(SpanEnd.self)
            case .log: _ = try event.decodePayload(LogRecord.self)
            default: break
            }
            other = nil
        } catch {
            other = error
        }
    }

    /// Why the event, of a kind the format defines, does not decode into its payload; nil when it decodes or its
    /// kind is unknown.
    var error: PayloadError? {
        switch rpc {
        case .failure(let error): return error
        case .success(.some): return nil
        case .success(.none): break
        }
        if case .failure(let error) = protocolEvent { return error }
        return other
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
    /// `event` as an RPC event; nil for other kinds and malformed events.
    func rpc(_ event: RunEvent) -> RPCEvent? {
        (try? payloads(event).rpc.get()) ?? nil
    }

    /// `event` as a protocol event (queue, election, executor, …); nil for other kinds and malformed events.
    func protocolEvent(_ event: RunEvent) -> ProtocolEvent? {
        (try? payloads(event).protocolEvent.get()) ?? nil
    }

    /// Why `event`, of a kind the format defines (RPC, protocol, span, log), does not decode into its payload; nil
    /// when it decodes or its kind is unknown.
    func payloadError(_ event: RunEvent) -> PayloadError? { payloads(event).error }

    private func payloads(_ event: RunEvent) -> EventPayloads {
        if let payloads = event.payloads { return payloads }
        if decoded.event === event, let payloads = decoded.payloads { return payloads }
        let payloads = EventPayloads(event.event)
        decoded = DecodedPayloads(event: event, payloads: payloads)
        return payloads
    }
}
