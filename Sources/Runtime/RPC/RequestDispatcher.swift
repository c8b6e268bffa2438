import Causality
import Foundation
import Logging
import TraceFormat

/// Turns one HTTP request into a traced handler call and its reply. Shared by all server threads.
final class RequestDispatcher: Sendable {
    let router: Router
    let recorder: TraceRecorder
    let logger: Logger
    let allowCrossOrigin: Bool
    let metrics: RPCMetrics
    /// Log lines of refused requests (401, bad metadata): at most one a second.
    private let refusals = RefusalLog()

    init(router: Router, recorder: TraceRecorder, logger: Logger, allowCrossOrigin: Bool, metrics: RPCMetrics) {
        self.router = router
        self.recorder = recorder
        self.logger = logger
        self.allowCrossOrigin = allowCrossOrigin
        self.metrics = metrics
    }

    typealias Incoming = WireMetadata

    func handle(
        connection: IncomingConnection, method: String, url: String, body: Data, bodyTooLarge: Bool
    )
        -> ServerReply
    {
        let started = MonotonicClock.nanos()
        // By byte: `firstIndex(of:)` on the characters cost more than the rest of the routing.
        let path = url.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(url[..<$0]) } ?? url
        let isRPC = path == "/rpc" || path.hasPrefix("/rpc/")
        let policy = router.admission
        let headers = connection.metadataHeaders()
        // Internal RPCs: the credential first, before anything of the request is read or recorded.
        let authenticated = policy.authenticates(headers.authorization)
        if isRPC && !authenticated {
            return unauthorized(path: path)
        }
        let incoming: Incoming
        do throws(MetadataRejection) {
            incoming = try WireMetadata.read(
                headers.wireValues, policy: policy, authenticated: authenticated, now: started)
        } catch {
            return refused(error, path: path, isRPC: isRPC)
        }
        if incoming.ignoredTraceparent {
            metrics.counter("rpc_ignored_metadata_total", [("reason", "traceparent")]).increment()
        }
        if isRPC {
            return handleRPC(
                method: method, path: path, body: body, bodyTooLarge: bodyTooLarge, incoming: incoming,
                started: started)
        }
        return handleRoute(
            connection: connection, method: method, url: url, path: path, body: body, bodyTooLarge: bodyTooLarge,
            incoming: incoming, started: started)
    }

    /// 401 for an internal RPC without the cluster credential: counted and logged, never traced as a message.
    private func unauthorized(path: String) -> ServerReply {
        metrics.counter("rpc_unauthorized_total").increment()
        if let suppressed = refusals.admit(now: MonotonicClock.nanos()) {
            logger.notice(
                "internal RPC refused: no valid cluster credential",
                metadata: [
                    "path": .string(String(path.prefix(80))), "code": "unauthorized", "http_status": "401",
                    "refusals_not_logged": "\(suppressed)",
                ])
        }
        let outcome = Router.failure(
            RPCError(.unauthorized, "internal RPCs need the cluster credential (Authorization: Bearer …)"), id: .null,
            traceID: TraceContext.newTrace().traceID)
        return ServerReply(
            status: 401, headers: [Self.jsonContentType, ("WWW-Authenticate", "Bearer")], body: outcome.body)
    }

    /// 400 for metadata outside its bounds: refused before it reaches the clock, counted and logged.
    private func refused(_ rejection: MetadataRejection, path: String, isRPC: Bool) -> ServerReply {
        metrics.counter("rpc_rejected_metadata_total", [("reason", rejection.reason)]).increment()
        if let suppressed = refusals.admit(now: MonotonicClock.nanos()) {
            logger.notice(
                "request refused: \(rejection.message)",
                metadata: [
                    "path": .string(String(path.prefix(80))), "code": "invalid_request",
                    "reason": .string(rejection.reason), "http_status": "400", "refusals_not_logged": "\(suppressed)",
                ])
        }
        let traceID = TraceContext.newTrace().traceID
        if isRPC {
            let outcome = Router.failure(RPCError(.invalidRequest, rejection.message), id: .null, traceID: traceID)
            return ServerReply(status: 400, headers: [Self.jsonContentType], body: outcome.body)
        }
        let response = HTTPResponse.error(.invalidRequest, rejection.message, traceID: traceID, status: 400)
        let crossOrigin = allowCrossOrigin ? [("Access-Control-Allow-Origin", "*")] : []
        return ServerReply(status: 400, headers: response.headers + crossOrigin, body: response.body)
    }

    static let jsonContentType = ("Content-Type", "application/json")

    // MARK: Plain routes

    private func handleRoute(
        connection: IncomingConnection, method: String, url: String, path: String, body: Data, bodyTooLarge: Bool,
        incoming: Incoming, started: UInt64
    ) -> ServerReply {
        let operation = "\(method) \(path)"
        let routeHandler = router.routes[operation]  // looked up once: `routeHandler(method:path:)` builds the key
        if let routeHandler, router.untracedRoutes.contains(operation) {
            return handleUntraced(routeHandler, method: method, url: url, path: path, body: body, started: started)
        }
        recordReceive(operation: operation, incoming: incoming)
        let context = RequestContext(
            trace: incoming.trace, operation: operation, peer: incoming.sender, deadlineNanos: incoming.deadlineNanos,
            recorder: recorder, logger: logger)
        let traceID = incoming.trace.traceID

        var response: HTTPResponse
        var failure: (RPCErrorCode, String)?
        if allowCrossOrigin && method == "OPTIONS" {
            response = HTTPResponse(
                status: 204,
                headers: [
                    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                    ("Access-Control-Allow-Headers", connection.header("access-control-request-headers") ?? "*"),
                    ("Access-Control-Max-Age", "600"),
                ])
        } else if bodyTooLarge {
            failure = (.payloadTooLarge, "request body over the server's limit")
            response = .error(.payloadTooLarge, failure!.1, traceID: traceID)
        } else if let handler = routeHandler {
            let query = url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init)
            let request = HTTPRequest(
                method: method, path: path, query: query, headers: connection.allHeaders(), body: body)
            do {
                response = try handler(request, context)
            } catch let error as RPCError {
                let code = error.knownCode ?? .application
                failure = (code, error.message)
                response = .error(code, error.message, traceID: traceID)
            } catch {
                let errorID = TraceContext.newTrace().spanID
                failure = (.internalError, ErrorCause.chain(error))
                context.logger.error(
                    "route handler failed",
                    metadata: ["error_id": .string(errorID), "cause": .string(ErrorCause.chain(error))])
                response = .error(.internalError, "internal error (error id \(errorID))", traceID: traceID)
            }
        } else if router.hasRoute(path: path) {
            failure = (.invalidRequest, "\(method) is not allowed on \(path)")
            response = .error(.invalidRequest, failure!.1, traceID: traceID, status: 405)
        } else {
            failure = (.methodNotFound, "no route \(method) \(path)")
            response = .error(.methodNotFound, failure!.1, traceID: traceID)
        }
        if let failure, failure.0 != .internalError {
            log(code: failure.0, message: failure.1, context: context, status: response.status)
        }
        let errorCode = failure?.0 ?? (response.status >= 400 ? .application : nil)
        let clock = recordReply(
            operation: operation, incoming: incoming, status: response.status, errorCode: errorCode, started: started,
            known: routeHandler != nil)
        return ServerReply(
            status: response.status,
            headers: response.headers + replyHeaders(clock: clock, incoming: incoming, crossOrigin: allowCrossOrigin),
            body: response.body)
    }

    /// A route outside the trace (`Router.untracedRoutes`): no events, the clock as it is in the reply.
    private func handleUntraced(
        _ handler: Router.RouteHandler, method: String, url: String, path: String, body: Data, started: UInt64
    ) -> ServerReply {
        let operation = "\(method) \(path)"
        let query = url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init)
        let request = HTTPRequest(method: method, path: path, query: query, headers: [:], body: body)
        let context = RequestContext(
            trace: TraceContext.newTrace(), operation: operation, peer: nil, deadlineNanos: nil, recorder: recorder,
            logger: logger)
        let response: HTTPResponse
        do {
            response = try handler(request, context)
        } catch {
            response = .error(.internalError, "internal error", traceID: context.trace.traceID)
        }
        metrics.serverRequest(
            operation: operation, outcome: response.status >= 400 ? "internal" : "ok",
            nanos: Int64(MonotonicClock.nanos() - started))
        var headers = response.headers + [(WireHeader.vectorClock, recorder.clock.description)]
        if allowCrossOrigin { headers.append(("Access-Control-Allow-Origin", "*")) }
        return ServerReply(status: response.status, headers: headers, body: response.body)
    }

    // MARK: Tracing

    func recordReceive(operation: String, incoming: Incoming) {
        recorder.record(
            RPCReceive(msg: incoming.messageID, peer: incoming.sender, method: operation), context: incoming.trace,
            merging: incoming.clock)
    }

    func recordReply(
        operation: String, incoming: Incoming, status: Int, errorCode: RPCErrorCode?, started: UInt64, known: Bool
    ) -> VectorClock {
        let duration = Int64(MonotonicClock.nanos() - started)
        // Unknown paths and methods share one label: metric cardinality must not follow client input.
        metrics.serverRequest(
            operation: known ? operation : "unknown", outcome: errorCode?.name ?? "ok", nanos: duration)
        return recorder.record(
            RPCReplySend(
                msg: incoming.messageID, peer: incoming.sender, method: operation, status: errorCode?.name ?? "ok",
                httpStatus: status, durationNanos: duration),
            context: incoming.trace)
    }

    func replyHeaders(clock: VectorClock, incoming: Incoming, crossOrigin: Bool) -> [(String, String)] {
        var headers: [(String, String)] = []
        headers.reserveCapacity(6)  // room for the id and the content type: no regrowth per reply
        headers.append((WireHeader.vectorClock, clock.description))
        headers.append((WireHeader.sender, recorder.node))
        headers.append((WireHeader.traceparent, incoming.trace.traceparent))
        if let id = incoming.messageID { headers.append((WireHeader.messageID, id)) }
        if crossOrigin {
            headers.append(("Access-Control-Allow-Origin", "*"))
            headers.append(
                (
                    "Access-Control-Expose-Headers",
                    "\(WireHeader.vectorClock), \(WireHeader.traceparent), \(WireHeader.sender)"
                ))
        }
        return headers
    }

    func log(code: RPCErrorCode, message: String, context: RequestContext, status: Int) {
        let metadata: Logger.Metadata = [
            "operation": .string(context.operation), "code": .string(code.name), "http_status": "\(status)",
            "peer": .string(context.peer ?? "external"),
        ]
        if status >= 500 {
            context.logger.error("request failed: \(message)", metadata: metadata)
        } else {
            context.logger.notice("request refused: \(message)", metadata: metadata)
        }
    }
}
