import ClusterProtocol
import TraceFormat

/// The decoded payloads of one event, kept while the checks look at it: each event's `data` is decoded at most once
/// per pass, however many checks read it.
struct DecodedPayloads {
    /// The event decoded (held, so that its identity is not reused while cached).
    fileprivate var event: RunEvent?
    fileprivate var rpc: RPCEvent??
    fileprivate var protocolEvent: ProtocolEvent??

    fileprivate mutating func select(_ event: RunEvent) {
        guard self.event !== event else { return }
        self = DecodedPayloads(event: event, rpc: nil, protocolEvent: nil)
    }
}

extension RunState {
    /// `event` as an RPC event; nil for other kinds and malformed events.
    func rpc(_ event: RunEvent) -> RPCEvent? {
        decoded.select(event)
        if let cached = decoded.rpc { return cached }
        let result = RPCEvent.decoded(event.event)
        decoded.rpc = .some(result)
        return result
    }

    /// `event` as a protocol event (queue, election, executor, …); nil for other kinds and malformed events.
    func protocolEvent(_ event: RunEvent) -> ProtocolEvent? {
        decoded.select(event)
        if let cached = decoded.protocolEvent { return cached }
        let result = (try? ProtocolEvent(event.event)) ?? nil
        decoded.protocolEvent = .some(result)
        return result
    }
}
