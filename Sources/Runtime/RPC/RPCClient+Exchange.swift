import Causality
import Foundation
import Logging
import TraceFormat

// One call's exchange in steps: `begin` (send event, headers, a connection from the pool, the request prepared),
// the transfer (a blocking `perform`, or a `CurlMulti` for several calls at once), and `end` (the connection back,
// metrics, the reply or failure event, the log line).
extension RPCClient {
    func perform(
        operation: String, httpMethod: String, url: String, body: Data, extraHeaders: [(String, String)],
        context: TraceContext?, callSpan: TraceContext? = nil, deadline: Duration, messageNumber: UInt64
    ) throws(RPCCallError) -> CurlConnection.Exchange {
        let call = begin(
            operation: operation, httpMethod: httpMethod, url: url, body: body, extraHeaders: extraHeaders,
            context: context, callSpan: callSpan, deadline: deadline, messageNumber: messageNumber)
        return try end(call, call.connection.performPrepared())
    }

    /// A call between `begin` and `end`: its span, message id, start and the connection it borrowed.
    struct StartedCall {
        let operation: String
        let trace: TraceContext
        let messageID: String
        let started: UInt64
        let connection: CurlConnection
    }

    /// Starts a call: records its `rpc.send`, borrows a connection and prepares the request on it (metadata
    /// headers, deadline, body) for `url` (the peer's base URL and the path). `end` must follow once the
    /// connection's transfer ended.
    func begin(
        operation: String, httpMethod: String, url: String, body: Data, extraHeaders: [(String, String)],
        context: TraceContext?, callSpan: TraceContext? = nil, deadline: Duration, messageNumber: UInt64
    ) -> StartedCall {
        let trace = callSpan ?? context?.child() ?? TraceContext.newTrace()
        let messageID = messageID(messageNumber)
        let deadlineMs = deadline.wholeMilliseconds
        let started = MonotonicClock.nanos()
        let sendClock = recorder.record(RPCSend(msg: messageID, peer: peer, method: operation), context: trace)
        let connection = pool.take() ?? CurlConnection(caFile: caFile)
        connection.startHeaders()
        connection.addHeader(name: WireHeader.deadline) {
            JSONText.appendDecimal(UInt64(clamping: deadlineMs), to: &$0)
        }
        if propagatesContext {
            connection.addHeader(name: WireHeader.traceparent) { bytes in
                bytes += "00-".utf8
                bytes += trace.traceID.utf8
                bytes.append(UInt8(ascii: "-"))
                bytes += trace.spanID.utf8
                bytes += "-01".utf8
            }
            connection.addHeader(name: WireHeader.vectorClock) { sendClock.appendJSON(to: &$0) }
            connection.addHeader(name: WireHeader.messageID, value: messageID)
            connection.addHeader(name: WireHeader.sender, value: recorder.node)
        }
        if let credential {
            let (name, value) = credential.authorizationHeader
            connection.addHeader(name: name, value: value)
        }
        if !extraHeaders.contains(where: { Self.isContentType($0.0) }) {
            connection.addHeader(name: "Content-Type", value: "application/json")
        }
        for (name, value) in extraHeaders { connection.addHeader(name: name, value: value) }
        connection.prepare(
            method: httpMethod, url: url, body: body, timeoutMilliseconds: deadlineMs,
            connectTimeoutMilliseconds: connectTimeout.wholeMilliseconds)
        return StartedCall(
            operation: operation, trace: trace, messageID: messageID, started: started, connection: connection)
    }

    /// Ends a call whose transfer ended with `result`: gives the connection back, counts the call, records its
    /// `rpc.reply.receive` (merging the reply's clock) or its `rpc.failure` (and logs it), and returns the reply.
    func end(
        _ call: StartedCall, _ result: Result<CurlConnection.Exchange, CurlConnection.TransportError>
    ) throws(RPCCallError) -> CurlConnection.Exchange {
        pool.put(call.connection)
        let elapsed = Int64(MonotonicClock.nanos() - call.started)
        let operation = call.operation
        switch result {
        case .success(let exchange):
            // The reply belongs to the traced message only when the server took it as one (it echoes the id):
            // a server that ignored our metadata (we are not authenticated to it) answered an external request.
            let accepted =
                propagatesContext && exchange.replyHeaders.hasValue(call.messageID, named: WireHeader.messageID)
            let replyClock = accepted ? boundedReplyClock(in: exchange.replyHeaders) : nil
            let failed = exchange.status >= 400
            metrics.clientRequest(peer: peer, operation: operation, outcome: failed ? "error" : "ok", nanos: elapsed)
            recorder.record(
                RPCReplyReceive(
                    msg: accepted ? call.messageID : nil, peer: peer, method: operation,
                    status: failed ? "error" : "ok", httpStatus: exchange.status, durationNanos: elapsed),
                context: call.trace, merging: replyClock)
            return exchange
        case .failure(let transport):
            let error = RPCCallError(
                kind: transport.timedOut ? .deadlineExceeded : .unavailable(transport.message), peer: peer,
                method: operation, elapsedNanos: elapsed)
            metrics.clientRequest(peer: peer, operation: operation, outcome: error.status, nanos: elapsed)
            recorder.record(
                RPCFailure(
                    msg: call.messageID, peer: peer, method: operation, status: error.status,
                    error: error.description, durationNanos: elapsed),
                context: call.trace)
            logger.warning(
                "call failed: \(error)",
                metadata: [
                    "trace_id": .string(call.trace.traceID), "span_id": .string(call.trace.spanID),
                    "peer": .string(peer), "method": .string(operation),
                ])
            throw error
        }
    }

    /// True when `name` is `Content-Type` in any ASCII case (compared without making a lowercased copy).
    static func isContentType(_ name: String) -> Bool {
        let wanted = "content-type".utf8
        guard name.utf8.count == wanted.count else { return false }
        return zip(name.utf8, wanted).allSatisfy { byte, lower in
            ((0x41...0x5A).contains(byte) ? byte | 0x20 : byte) == lower
        }
    }

    /// The reply's clock if it is within bounds; nil (not merged, logged) otherwise. Parsed from the header's bytes.
    func boundedReplyClock(in headers: ReplyHeaders) -> VectorClock? {
        let parsed = headers.withValue(of: WireHeader.vectorClock) { bytes in
            bytes.map { VectorClock.parse(wireBytes: $0, limits: Self.replyClockLimits) }
        }
        switch parsed {
        case nil: return nil
        case .success(let clock)?: return clock
        case .failure(let rejection)?:
            metrics.counter("rpc_rejected_metadata_total", [("reason", "reply_" + rejection.reason)]).increment()
            logger.warning("reply clock ignored: \(rejection)", metadata: ["peer": .string(peer)])
            return nil
        }
    }

}

/// Idle connections. A connection is used by one thread at a time (borrowed, then given back).
///
/// `@unchecked Sendable` is sound: `idle` is only touched inside `lock.withLock`, and a `CurlConnection` (not
/// `Sendable`: it wraps a libcurl easy handle) is handed from one thread to the next only through it, never
/// used by two threads at once. (A `Mutex` would need `CurlConnection` to be `Sendable` to hand it out.)
final class ConnectionPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [CurlConnection] = []

    func take() -> CurlConnection? { lock.withLock { idle.popLast() } }
    func put(_ connection: CurlConnection) { lock.withLock { idle.append(connection) } }
}
