import ClusterProtocol
import TraceFormat

/// The decoded payloads of one event, kept while the checks look at it: each event's `data` is decoded at most once
/// per pass, however many checks read it. A decoding error is kept too, so that `PayloadCheck` can report it.
struct DecodedPayloads {
    /// The event decoded (held, so that its identity is not reused while cached).
    fileprivate var event: RunEvent?
    fileprivate var rpc: Result<RPCEvent?, PayloadError>?
    fileprivate var protocolEvent: Result<ProtocolEvent?, PayloadError>?

    fileprivate mutating func select(_ event: RunEvent) {
        guard self.event !== event else { return }
        self = DecodedPayloads(event: event, rpc: nil, protocolEvent: nil)
    }
}

extension RunState {
    /// `event` as an RPC event; nil for other kinds and malformed events.
    func rpc(_ event: RunEvent) -> RPCEvent? {
        (try? rpcResult(event).get()) ?? nil
    }

    /// `event` as a protocol event (queue, election, executor, …); nil for other kinds and malformed events.
    func protocolEvent(_ event: RunEvent) -> ProtocolEvent? {
        (try? protocolResult(event).get()) ?? nil
    }

    /// Why `event`, of a kind the format defines (RPC, protocol, span, log), does not decode into its payload; nil
    /// when it decodes or its kind is unknown.
    func payloadError(_ event: RunEvent) -> PayloadError? {
        switch rpcResult(event) {
        case .failure(let error): return error
        case .success(.some): return nil
        case .success(.none): break
        }
        if case .failure(let error) = protocolResult(event) { return error }
        do {
            switch event.event.kind {
            case .spanStart: _ = try event.event.decodePayload(SpanStart.self)
            case .spanEnd: _ = try event.event.decodePayload(SpanEnd.self)
            case .log: _ = try event.event.decodePayload(LogRecord.self)
            default: break
            }
        } catch {
            return error
        }
        return nil
    }

    private func rpcResult(_ event: RunEvent) -> Result<RPCEvent?, PayloadError> {
        decoded.select(event)
        if let cached = decoded.rpc { return cached }
        let result = Result { () throws(PayloadError) -> RPCEvent? in try RPCEvent(event.event) }
        decoded.rpc = result
        return result
    }

    private func protocolResult(_ event: RunEvent) -> Result<ProtocolEvent?, PayloadError> {
        decoded.select(event)
        if let cached = decoded.protocolEvent { return cached }
        let result = Result { () throws(PayloadError) -> ProtocolEvent? in try ProtocolEvent(event.event) }
        decoded.protocolEvent = result
        return result
    }
}
