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

    init(router: Router, recorder: TraceRecorder, logger: Logger, allowCrossOrigin: Bool, metrics: RPCMetrics) {
        self.router = router
        self.recorder = recorder
        self.logger = logger
        self.allowCrossOrigin = allowCrossOrigin
        self.metrics = metrics
    }

    /// Metadata the caller sent with the request.
    private struct Incoming {
        var trace: TraceContext
        var clock: VectorClock?
        var messageID: String?
        var sender: String?
        var deadlineNanos: UInt64?
    }

    func handle(
        connection: IncomingConnection, method: String, url: String, body: Data, bodyTooLarge: Bool
    )
        -> ServerReply
    {
        let started = MonotonicClock.nanos()
        let incoming = readMetadata(connection, now: started)
        let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url

        if path == "/rpc" || path.hasPrefix("/rpc/") {
            return handleRPC(
                method: method, path: path, body: body, bodyTooLarge: bodyTooLarge, incoming: incoming,
                started: started)
        }
        return handleRoute(
            connection: connection, method: method, url: url, path: path, body: body, bodyTooLarge: bodyTooLarge,
            incoming: incoming, started: started)
    }

    private func readMetadata(_ connection: IncomingConnection, now: UInt64) -> Incoming {
        let parent = connection.header(WireHeader.traceparent).flatMap(TraceContext.init(traceparent:))
        let trace = parent?.child() ?? TraceContext.newTrace()
        let clock = connection.header(WireHeader.vectorClock).flatMap(VectorClock.init(jsonText:))
        // Clamped: a hostile header must not overflow (a trap would stop the server).
        let deadline = connection.header(WireHeader.deadline).flatMap(UInt64.init).map {
            now &+ min($0, 86_400_000) * 1_000_000
        }
        return Incoming(
            trace: trace, clock: clock, messageID: connection.header(WireHeader.messageID),
            sender: connection.header(WireHeader.sender), deadlineNanos: deadline)
    }

    // MARK: JSON-RPC

    private func handleRPC(
        method httpMethod: String, path: String, body: Data, bodyTooLarge: Bool, incoming: Incoming, started: UInt64
    ) -> ServerReply {
        var name = path.count > 5 ? String(path.dropFirst(5)) : ""
        var early: Router.MethodOutcome?
        if httpMethod != "POST" {
            early = Router.failure(
                RPCError(.invalidRequest, "JSON-RPC needs POST, not \(httpMethod)"), id: .null,
                traceID: incoming.trace.traceID)
            early?.status = 405
        } else if bodyTooLarge {
            early = Router.failure(
                RPCError(.payloadTooLarge, "request body over the server's limit"), id: .null,
                traceID: incoming.trace.traceID)
        } else if name.isEmpty {
            switch Result(catching: { try JSONCoding.decoder.decode(JSONRPCRequestHead.self, from: body) }) {
            case .success(let head) where head.method != nil:
                name = head.method!
            case .success:
                early = Router.failure(
                    RPCError(.invalidRequest, "missing \"method\""), id: .null, traceID: incoming.trace.traceID)
            case .failure:
                early = Router.failure(
                    RPCError(.parseError, "body is not a valid JSON-RPC object"), id: .null,
                    traceID: incoming.trace.traceID)
            }
        }
        let operation = name.isEmpty ? "?" : name
        recordReceive(operation: operation, incoming: incoming)
        let context = RequestContext(
            trace: incoming.trace, operation: operation, peer: incoming.sender, deadlineNanos: incoming.deadlineNanos,
            recorder: recorder, logger: logger)

        let outcome: Router.MethodOutcome
        if let early {
            outcome = early
        } else if let handler = router.methods[name] {
            if let deadline = incoming.deadlineNanos, MonotonicClock.nanos() >= deadline {
                outcome = Router.failure(
                    RPCError(.deadlineExceeded, "\(name): deadline passed before the handler ran"), id: .null,
                    traceID: incoming.trace.traceID)
            } else {
                outcome = handler(body, context)
            }
        } else {
            outcome = Router.failure(
                RPCError(.methodNotFound, "no method \"\(name)\""), id: .null, traceID: incoming.trace.traceID)
        }
        if let code = outcome.errorCode {
            log(code: code, message: outcome.errorMessage ?? "", context: context, status: outcome.status)
        }
        let clock = recordReply(
            operation: operation, incoming: incoming, status: outcome.status, errorCode: outcome.errorCode,
            started: started, known: router.methods[name] != nil)
        return ServerReply(
            status: outcome.status, headers: replyHeaders(clock: clock, incoming: incoming, crossOrigin: false),
            body: outcome.body)
    }

    // MARK: Plain routes

    private func handleRoute(
        connection: IncomingConnection, method: String, url: String, path: String, body: Data, bodyTooLarge: Bool,
        incoming: Incoming, started: UInt64
    ) -> ServerReply {
        let operation = "\(method) \(path)"
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
        } else if let handler = router.routeHandler(method: method, path: path) {
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
            known: router.routeHandler(method: method, path: path) != nil)
        return ServerReply(
            status: response.status,
            headers: response.headers + replyHeaders(clock: clock, incoming: incoming, crossOrigin: allowCrossOrigin),
            body: response.body)
    }

    // MARK: Tracing

    private func recordReceive(operation: String, incoming: Incoming) {
        var data: [String: TraceValue] = ["method": .string(operation)]
        if let id = incoming.messageID { data["msg"] = .string(id) }
        if let sender = incoming.sender { data["peer"] = .string(sender) }
        recorder.record(.rpcReceive, context: incoming.trace, merging: incoming.clock, data: data)
    }

    private func recordReply(
        operation: String, incoming: Incoming, status: Int, errorCode: RPCErrorCode?, started: UInt64, known: Bool
    ) -> VectorClock {
        let duration = Int64(MonotonicClock.nanos() - started)
        // Unknown paths and methods share one label: metric cardinality must not follow client input.
        metrics.serverRequest(
            operation: known ? operation : "unknown", outcome: errorCode?.name ?? "ok", nanos: duration)
        var data: [String: TraceValue] = [
            "method": .string(operation), "http_status": .int(Int64(status)),
            "status": .string(errorCode?.name ?? "ok"), "duration_ns": .int(duration),
        ]
        if let id = incoming.messageID { data["msg"] = .string(id) }
        if let sender = incoming.sender { data["peer"] = .string(sender) }
        return recorder.record(.rpcReplySend, context: incoming.trace, data: data)
    }

    private func replyHeaders(clock: VectorClock, incoming: Incoming, crossOrigin: Bool) -> [(String, String)] {
        var headers: [(String, String)] = [
            (WireHeader.vectorClock, clock.description), (WireHeader.sender, recorder.node),
            (WireHeader.traceparent, incoming.trace.traceparent),
        ]
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

    private func log(code: RPCErrorCode, message: String, context: RequestContext, status: Int) {
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
