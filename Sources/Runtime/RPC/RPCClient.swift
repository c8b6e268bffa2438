import Causality
import Dispatch
import Foundation
import Logging
import Synchronization
import TraceFormat

/// A client for one peer: JSON-RPC calls and plain HTTP requests over persistent keep-alive connections.
///
/// Safe to share between threads: each call borrows a libcurl handle (one TCP connection) from a pool and
/// returns it, so concurrent calls use concurrent connections and sequential calls reuse one. Every call
/// has a deadline, carries the trace context and the node's vector clock, and is recorded in the trace.
public final class RPCClient: Sendable {
    /// The peer's node id (used in errors and trace events).
    public let peer: String
    /// Where the peer listens, e.g. `http://127.0.0.1:9101`.
    public let baseURL: String
    public let recorder: TraceRecorder
    public let logger: Logger
    /// The deadline of calls that do not give their own.
    public let defaultDeadline: Duration
    /// The connect part of a deadline is at most this.
    public let connectTimeout: Duration
    /// False for calls from outside the traced system (health checks): no trace context, clock or message id
    /// is sent, so the callee's clock does not learn of a node that has no trace file.
    public let propagatesContext: Bool
    /// Where call counts and latencies go.
    public let metrics: RPCMetrics
    /// The cluster credential sent as `Authorization: Bearer …` on every request (nil: none is sent).
    public let credential: ClusterCredential?
    /// Bounds on the clocks peers send back (a reply clock outside them is not merged).
    static let replyClockLimits = WireClockLimits(maxEntries: 256)
    /// The CA (PEM file) an https:// peer's certificate must be signed by (nil: the system's CAs).
    public let caFile: String?
    /// `<node>-<pid>-`: what every message id of this client starts with (made once, not per call).
    let messagePrefix: String
    /// `<baseURL>/rpc/`: a JSON-RPC call's URL is this and the method name.
    let rpcURLPrefix: String

    /// Idle connections to the peer.
    let pool = ConnectionPool()
    /// Process-wide, so message ids stay unique across all clients of a node.
    private static let messageCounter = Atomic<UInt64>(0)
    /// Runs the blocking exchanges of async calls: at most `asyncCallThreads` threads in the process, never a
    /// thread of the cooperative pool. Calls beyond that wait their turn (their deadline starts when they run).
    static let asyncCalls = BlockingWorkPool(label: "rpc-client-async", maximumThreads: asyncCallThreads)
    /// The bound on the threads that carry async calls.
    static let asyncCallThreads = 16

    public init(
        peer: String, baseURL: String, recorder: TraceRecorder, logger: Logger,
        defaultDeadline: Duration = .seconds(2), connectTimeout: Duration = .milliseconds(500),
        propagatesContext: Bool = true, metrics: RPCMetrics = .disabled, credential: ClusterCredential? = nil,
        caFile: String? = nil
    ) {
        self.credential = credential
        self.caFile = caFile
        self.propagatesContext = propagatesContext
        self.metrics = metrics
        self.peer = peer
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.recorder = recorder
        self.logger = logger
        self.defaultDeadline = defaultDeadline
        self.connectTimeout = connectTimeout
        messagePrefix = "\(recorder.node)-\(recorder.pid)-"
        rpcURLPrefix = self.baseURL + "/rpc/"
    }

    /// The message id of message number `number`: `<node>-<pid>-<number>`.
    func messageID(_ number: UInt64) -> String {
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        JSONText.appendDecimal(number, to: &digits)
        return messagePrefix + String(decoding: digits, as: UTF8.self)
    }

    // MARK: JSON-RPC

    /// Calls `method` and decodes its result. Blocks the calling thread until the reply or the deadline.
    /// - Parameters:
    ///   - context: the caller's span; the call becomes part of its trace (a new trace otherwise).
    ///   - callSpan: the call's own span, when the caller made it beforehand (to name it in `params`, as an order
    ///     ticket names its enqueue call); nil: a child of `context`.
    public func call<Params: Encodable, Result: Decodable>(
        _ method: String, _ params: Params, returning: Result.Type = Result.self, context: TraceContext? = nil,
        callSpan: TraceContext? = nil, deadline: Duration? = nil
    ) throws(RPCCallError) -> Result {
        let (id, body) = try jsonRPCRequest(method, params)
        return try exchange(
            method, body: body, messageNumber: id, returning: Result.self, context: context, callSpan: callSpan,
            deadline: deadline)
    }

    /// The next message number and the JSON-RPC request body calling `method` with `params`.
    func jsonRPCRequest<Params: Encodable>(
        _ method: String, _ params: Params
    ) throws(RPCCallError) -> (id: UInt64, body: Data) {
        let id = Self.messageCounter.add(1, ordering: .relaxed).newValue
        do {
            let request = JSONRPCRequest(id: .number(Int64(id)), method: method, params: params)
            if let body = WireRPC.requestBody(id: request.id, method: method, params: params) { return (id, body) }
            return (id, try JSONCoding.encoder.encode(request))
        } catch {
            throw RPCCallError(kind: .encoding("\(error)"), peer: peer, method: method)
        }
    }

    /// Calls `method` like `call`, and also returns the server's span of the call: the span the server named in
    /// its reply's `traceparent`, when the server took the request as a traced message (it echoed the message
    /// id) and the header is a valid one of the call's trace; nil otherwise. Lets a caller link to the span in
    /// which the server did the work (a lease handed out, for example).
    public func callReportingServerSpan<Params: Encodable, Result: Decodable>(
        _ method: String, _ params: Params, returning: Result.Type = Result.self, callSpan: TraceContext,
        deadline: Duration? = nil
    ) throws(RPCCallError) -> (result: Result, serverSpan: TraceContext?) {
        let (id, body) = try jsonRPCRequest(method, params)
        var server: TraceContext?
        let expectedMessage = messageID(id)
        let traced = propagatesContext
        let result = try exchange(
            method, body: body, messageNumber: id, returning: Result.self, context: nil, callSpan: callSpan,
            deadline: deadline
        ) { reply in
            guard traced, reply.replyHeaders.hasValue(expectedMessage, named: WireHeader.messageID),
                let text = reply.header(WireHeader.traceparent), text.utf8.count <= TraceContext.maxTraceparentBytes,
                let parsed = TraceContext(traceparent: text), parsed.traceID == callSpan.traceID,
                parsed.spanID != callSpan.spanID
            else { return }
            server = TraceContext(traceID: parsed.traceID, spanID: parsed.spanID, parentSpanID: callSpan.spanID)
        }
        return (result, server)
    }

    /// Calls `method` with params that are already JSON (for example one order sent to several services:
    /// encoded once, not once per call). `encodedParams` must be a JSON value; it is sent as it is.
    public func call<Result: Decodable>(
        _ method: String, encodedParams: Data, returning: Result.Type = Result.self, context: TraceContext? = nil,
        deadline: Duration? = nil
    ) throws(RPCCallError) -> Result {
        let (id, body) = jsonRPCRequest(method, encodedParams: encodedParams)
        return try exchange(
            method, body: body, messageNumber: id, returning: Result.self, context: context,
            deadline: deadline)
    }

    /// The next message number and the JSON-RPC request body calling `method` with params already encoded.
    func jsonRPCRequest(_ method: String, encodedParams: Data) -> (id: UInt64, body: Data) {
        let id = Self.messageCounter.add(1, ordering: .relaxed).newValue
        var body = Data("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"method\":\"\(JSONText.escaped(method))\",\"params\":".utf8)
        body.append(encodedParams)
        body.append(UInt8(ascii: "}"))
        return (id, body)
    }

    /// Sends a JSON-RPC request body and decodes its reply.
    private func exchange<Result: Decodable>(
        _ method: String, body: Data, messageNumber: UInt64, returning: Result.Type, context: TraceContext?,
        callSpan: TraceContext? = nil, deadline: Duration?, replyHeaders: ((CurlConnection.Exchange) -> Void)? = nil
    ) throws(RPCCallError) -> Result {
        let exchange = try perform(
            operation: method, httpMethod: "POST", url: rpcURLPrefix + method, body: body, extraHeaders: [],
            context: context, callSpan: callSpan, deadline: deadline ?? defaultDeadline, messageNumber: messageNumber)
        replyHeaders?(exchange)
        return try decodeReply(exchange, method: method)
    }

    /// The result of a JSON-RPC reply, or the call's error: the remote error, or a reply that is not one.
    func decodeReply<Result: Decodable>(
        _ exchange: CurlConnection.Exchange, method: String, returning: Result.Type = Result.self
    ) throws(RPCCallError) -> Result {
        if let result = WireRPC.result(Result.self, from: exchange.body) { return result }  // `WireCodable` results
        let reply: JSONRPCReply<Result>
        do {
            reply = try JSONCoding.decoder.decode(JSONRPCReply<Result>.self, from: exchange.body)
        } catch {
            throw RPCCallError(
                kind: .badReply(status: exchange.status, detail: Self.snippet(exchange.body, error)), peer: peer,
                method: method)
        }
        if let error = reply.error {
            throw RPCCallError(kind: .remote(error), peer: peer, method: method)
        }
        guard let result = reply.result else {
            throw RPCCallError(
                kind: .badReply(status: exchange.status, detail: "reply has neither result nor error"), peer: peer,
                method: method)
        }
        return result
    }

    /// The async form of `call`: the blocking exchange runs off the concurrency pool.
    public func call<Params: Encodable & Sendable, Result: Decodable & Sendable>(
        _ method: String, _ params: Params, returning: Result.Type = Result.self, context: TraceContext? = nil,
        deadline: Duration? = nil
    ) async throws(RPCCallError) -> Result {
        let outcome: Swift.Result<Result, RPCCallError> = await Self.asyncCalls.run {
            do throws(RPCCallError) {
                return .success(
                    try self.call(method, params, returning: Result.self, context: context, deadline: deadline))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// The async form of `callReportingServerSpan`: the blocking exchange runs off the concurrency pool.
    public func callReportingServerSpan<Params: Encodable & Sendable, Result: Decodable & Sendable>(
        _ method: String, _ params: Params, returning: Result.Type = Result.self, callSpan: TraceContext,
        deadline: Duration? = nil
    ) async throws(RPCCallError) -> (result: Result, serverSpan: TraceContext?) {
        let outcome: Swift.Result<(Result, TraceContext?), RPCCallError> = await Self.asyncCalls.run {
            do throws(RPCCallError) {
                let answer = try self.callReportingServerSpan(
                    method, params, returning: Result.self, callSpan: callSpan, deadline: deadline)
                return .success((answer.result, answer.serverSpan))
            } catch {
                return .failure(error)
            }
        }
        let (result, server) = try outcome.get()
        return (result, server)
    }

    // MARK: Plain HTTP

    /// A plain HTTP request to the peer (for routes such as `/checkout` or `/healthz`), traced like a call.
    /// Any HTTP status is returned; only transport failures throw.
    public func request(
        _ httpMethod: String, _ path: String, body: Data = Data(), headers: [(String, String)] = [],
        context: TraceContext? = nil, deadline: Duration? = nil
    ) throws(RPCCallError) -> HTTPResponse {
        let id = Self.messageCounter.add(1, ordering: .relaxed).newValue
        let route = path.firstIndex(of: "?").map { path[..<$0] } ?? path[...]
        let exchange = try perform(
            operation: httpMethod + " " + route, httpMethod: httpMethod, url: baseURL + path, body: body,
            extraHeaders: headers,
            context: context, deadline: deadline ?? defaultDeadline, messageNumber: id)
        return HTTPResponse(
            status: exchange.status, headers: exchange.headerList, body: exchange.body)
    }

    private static func snippet(_ body: Data, _ error: any Error) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return "cannot decode reply (\(error)); body starts: \(text)"
    }
}

extension Duration {
    /// The duration in whole nanoseconds (rounded down).
    public var wholeNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// The duration in seconds, as a `Double`.
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole milliseconds (rounded down).
    public var wholeMilliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
