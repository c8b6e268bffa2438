import Foundation
import TraceFormat

/// A JSON-RPC call made ready but not sent yet: `RPCClient.callConcurrently` sends several at once from the calling
/// thread. Made by `RPCClient.prepareCall`; used once.
public struct RPCPreparedCall<Result: Decodable> {
    let request: ConcurrentCallRequest

    /// The call's result once `callConcurrently` ran it: the decoded result or the call's error (the same errors,
    /// trace events, metrics and log lines as `RPCClient.call`).
    func outcome() -> Swift.Result<Result, RPCCallError> {
        let request = self.request
        guard let exchange = request.slot.outcome else {
            return .failure(
                RPCCallError(
                    kind: .encoding("the call was not run"), peer: request.client.peer,
                    method: request.method))
        }
        return exchange.flatMap { exchange in
            Swift.Result { () throws(RPCCallError) -> Result in
                try request.client.decodeReply(exchange, method: request.method)
            }
        }
    }
}

/// What `callConcurrently` needs of one call, whatever its result type.
struct ConcurrentCallRequest {
    let client: RPCClient
    let method: String
    let body: Data
    let messageNumber: UInt64
    let context: TraceContext?
    let callSpan: TraceContext?
    let deadline: Duration
    let slot: ConcurrentCallSlot
}

/// Where a concurrent call's exchange (or its failure) is left for its typed `RPCPreparedCall` to decode.
final class ConcurrentCallSlot {
    var outcome: Swift.Result<CurlConnection.Exchange, RPCCallError>?

    init(_ outcome: Swift.Result<CurlConnection.Exchange, RPCCallError>? = nil) {
        self.outcome = outcome
    }
}

extension RPCClient {
    /// Prepares a call of `method` for `callConcurrently` (nothing is sent or recorded yet). Params that cannot be
    /// encoded make the call's result that encoding error.
    public func prepareCall<Params: Encodable, Result: Decodable>(
        _ method: String, _ params: Params, returning: Result.Type = Result.self, context: TraceContext? = nil,
        callSpan: TraceContext? = nil, deadline: Duration? = nil
    ) -> RPCPreparedCall<Result> {
        let encoded: (id: UInt64, body: Data)
        let slot: ConcurrentCallSlot
        do throws(RPCCallError) {
            encoded = try jsonRPCRequest(method, params)
            slot = ConcurrentCallSlot()
        } catch {
            encoded = (0, Data())
            slot = ConcurrentCallSlot(.failure(error))
        }
        return RPCPreparedCall(
            request: ConcurrentCallRequest(
                client: self, method: method, body: encoded.body, messageNumber: encoded.id, context: context,
                callSpan: callSpan, deadline: deadline ?? defaultDeadline, slot: slot))
    }

    /// Prepares a call of `method` with params that are already JSON (see `call(_:encodedParams:…)`).
    public func prepareCall<Result: Decodable>(
        _ method: String, encodedParams: Data, returning: Result.Type = Result.self, context: TraceContext? = nil,
        deadline: Duration? = nil
    ) -> RPCPreparedCall<Result> {
        let (id, body) = jsonRPCRequest(method, encodedParams: encodedParams)
        return RPCPreparedCall(
            request: ConcurrentCallRequest(
                client: self, method: method, body: body, messageNumber: id, context: context, callSpan: nil,
                deadline: deadline ?? defaultDeadline, slot: ConcurrentCallSlot()))
    }

    /// Runs the prepared calls at the same time on the calling thread (one libcurl multi handle drives their
    /// connections; no other thread is involved) and returns their results in the same order. Each call is what
    /// `call` would have made of it: its own connection from its client's pool, headers, deadline, `rpc.send` and
    /// `rpc.reply.receive` or `rpc.failure` events (a reply's clock is merged when that reply arrives), metrics and
    /// failure log line. Blocks until every call has its reply or its deadline passed.
    public static func callConcurrently<each Result: Decodable>(
        _ calls: repeat RPCPreparedCall<each Result>
    ) -> (repeat Swift.Result<each Result, RPCCallError>) {
        var requests: [ConcurrentCallRequest] = []
        repeat requests.append((each calls).request)
        run(requests.filter { $0.slot.outcome == nil })
        return (repeat (each calls).outcome())
    }

    /// Starts every call of `requests`, drives them with a multi handle, and ends each when its transfer ends.
    private static func run(_ requests: [ConcurrentCallRequest]) {
        guard !requests.isEmpty else { return }
        var calls: [StartedCall] = []
        calls.reserveCapacity(requests.count)
        var hardStop: UInt64 = 0
        for request in requests {
            let call = request.client.begin(
                operation: request.method, httpMethod: "POST", url: request.client.rpcURLPrefix + request.method,
                body: request.body,
                extraHeaders: [], context: request.context, callSpan: request.callSpan, deadline: request.deadline,
                messageNumber: request.messageNumber)
            calls.append(call)
            // libcurl ends each transfer at its deadline; this second bound only guards against it not doing so.
            let deadline = UInt64(clamping: max(0, request.deadline.wholeNanoseconds))
            hardStop = max(hardStop, call.started &+ deadline &+ hardStopGraceNanos)
        }
        let multi = CurlMulti.pool.take()
        defer { CurlMulti.pool.put(multi) }
        multi.run(calls.map(\.connection), hardStop: hardStop) { index, code in
            let call = calls[index]
            let client = requests[index].client
            requests[index].slot.outcome = Swift.Result { () throws(RPCCallError) -> CurlConnection.Exchange in
                try client.end(call, call.connection.finish(code))
            }
        }
    }

    /// How long after the latest deadline `run` stops waiting for libcurl.
    static let hardStopGraceNanos: UInt64 = 1_000_000_000
}
