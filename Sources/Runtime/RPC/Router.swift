import Foundation
import TraceFormat

/// The methods and routes a server answers. Built before the server starts, immutable afterwards.
public struct Router: Sendable {
    /// What a method handler produced: the HTTP status and the complete JSON-RPC reply body.
    struct MethodOutcome {
        var status: Int
        var body: Data
        /// Set when the reply is an error: its code and, for internal errors, the cause to log.
        var errorCode: RPCErrorCode?
        var errorMessage: String?
        /// The request had no `id`: the reply is sent without a body (HTTP 204).
        var isNotification = false
    }

    typealias MethodHandler = @Sendable (Data, RequestContext) -> MethodOutcome
    typealias RouteHandler = @Sendable (HTTPRequest, RequestContext) throws -> HTTPResponse

    private(set) var methods: [String: MethodHandler] = [:]
    private(set) var routes: [String: RouteHandler] = [:]
    /// Who may call the internal RPCs and which metadata is accepted. `ServiceHost` sets the cluster's policy;
    /// the default (`.permissive`) requires no credential and is meant for tests of the RPC layer.
    public var admission: AdmissionPolicy = .permissive
    /// Plain routes (`"GET /metrics"`) answered without trace events: Prometheus scrapes would otherwise be most of
    /// a run's traces. Their replies still carry the node's clock (not ticked) and count in the request metrics.
    public var untracedRoutes: Set<String> = ["GET /metrics"]

    public init() {}

    /// Registers a JSON-RPC method with typed params and result.
    /// The handler runs on a server thread; throw `RPCError` for a structured error.
    public mutating func register<Params: Decodable & Sendable, Result: Encodable & Sendable>(
        _ method: String, _ params: Params.Type = Params.self,
        handler: @escaping @Sendable (Params, RequestContext) throws -> Result
    ) {
        methods[method] = { body, context in
            let request: JSONRPCTypedRequest<Params>
            do {
                request = try JSONCoding.decoder.decode(JSONRPCTypedRequest<Params>.self, from: body)
            } catch {
                return Self.undecodable(body, error: error, method: method, context: context)
            }
            let id = request.id ?? .null
            guard request.jsonrpc == "2.0" else {
                return Self.failure(
                    RPCError(.invalidRequest, "\"jsonrpc\" must be \"2.0\""), id: id, traceID: context.trace.traceID)
            }
            var outcome: MethodOutcome
            do {
                let result = try handler(request.params, context)
                let body = try JSONCoding.encoder.encode(JSONRPCSuccess(id: id, result: result))
                outcome = MethodOutcome(status: 200, body: body)
            } catch let error as RPCError {
                outcome = Self.failure(error, id: id, traceID: context.trace.traceID)
            } catch {
                outcome = Self.internalFailure(error, id: id, context: context)
            }
            outcome.isNotification = !request.hasID
            return outcome
        }
        // Params and result with byte-level codecs (`WireCodable`) skip Foundation on the hot path (WireRPC.swift).
        if let slow = methods[method], let fast = Self.wireHandler(method, handler: handler, otherwise: slow) {
            methods[method] = fast
        }
    }

    /// The reply to a body that did not decode as this method's request: an invalid request when the
    /// envelope is wrong (with the id when it could be read), else a parse error or invalid params.
    private static func undecodable(
        _ body: Data, error: any Error, method: String, context: RequestContext
    ) -> MethodOutcome {
        let head = JSONRPCRequestHead.peek(body)
        let id = head?.replyID ?? .null
        if let head, !head.isVersion2 {
            return failure(
                RPCError(.invalidRequest, "\"jsonrpc\" must be \"2.0\""), id: id, traceID: context.trace.traceID)
        }
        var outcome: MethodOutcome
        if let error = error as? DecodingError, Self.isAboutTheID(error) {
            outcome = failure(
                RPCError(.invalidRequest, "\"id\" must be a string, an integer or null"), id: .null,
                traceID: context.trace.traceID)
        } else if let error = error as? DecodingError {
            outcome = failure(classify(error, method: method), id: id, traceID: context.trace.traceID)
        } else {
            outcome = failure(RPCError(.parseError, "body is not valid JSON"), id: id, traceID: context.trace.traceID)
        }
        // A well-formed notification gets no reply, even when its params are wrong (JSON-RPC 2.0 §4.1).
        outcome.isNotification = head.map { !$0.hasID } ?? false
        return outcome
    }

    /// Registers a plain HTTP route, e.g. `route("POST", "/checkout")`.
    public mutating func route(
        _ method: String, _ path: String,
        handler: @escaping @Sendable (HTTPRequest, RequestContext) throws -> HTTPResponse
    ) {
        routes["\(method.uppercased()) \(path)"] = handler
    }

    func routeHandler(method: String, path: String) -> RouteHandler? {
        routes["\(method) \(path)"]
    }

    /// True when some method is registered for `path` (used to answer 405 rather than 404).
    func hasRoute(path: String) -> Bool {
        routes.keys.contains { $0.hasSuffix(" \(path)") }
    }

    static func failure(_ error: RPCError, id: JSONRPCID, traceID: String) -> MethodOutcome {
        var error = error
        var details = error.data ?? RPCError.Details()
        details.traceID = details.traceID ?? traceID
        error.data = details
        let body = (try? JSONCoding.encoder.encode(JSONRPCFailure(id: id, error: error))) ?? Data()
        let code = error.knownCode ?? .application
        return MethodOutcome(status: code.httpStatus, body: body, errorCode: code, errorMessage: error.message)
    }

    static func internalFailure(_ error: any Error, id: JSONRPCID, context: RequestContext) -> MethodOutcome {
        let errorID = TraceContext.newTrace().spanID
        context.logger.error(
            "handler failed",
            metadata: ["error_id": .string(errorID), "cause": .string(ErrorCause.chain(error))])
        var outcome = failure(
            RPCError(
                .internalError, "internal error (error id \(errorID))",
                data: RPCError.Details(errorID: errorID)),
            id: id, traceID: context.trace.traceID)
        outcome.errorMessage = ErrorCause.chain(error)
        return outcome
    }

    /// True when decoding failed on the envelope's `id` member.
    private static func isAboutTheID(_ error: DecodingError) -> Bool {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        case .keyNotFound(_, let context): path = context.codingPath
        @unknown default: return false
        }
        return path.count == 1 && path[0].stringValue == "id"
    }

    /// Tells malformed JSON (parse error) from well-formed JSON of the wrong shape (invalid params).
    static func classify(_ error: DecodingError, method: String) -> RPCError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return RPCError(.parseError, "body is not valid JSON")
        case .keyNotFound(let key, let context) where context.codingPath.isEmpty && key.stringValue == "params":
            return RPCError(.invalidParams, "\(method): missing params")
        default:
            return RPCError(.invalidParams, "\(method): \(DecodingErrorText.describe(error))")
        }
    }
}

/// Human-readable text for decoding errors, naming the path of the offending field.
public enum DecodingErrorText {
    public static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: CodingKey? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            let names = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "body" : names.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(path(context, key))"
        case .typeMismatch(let type, let context): return "\(path(context)) should be \(Self.name(type))"
        case .valueNotFound(let type, let context): return "\(path(context)) should be \(Self.name(type)), not null"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private static func name(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "a boolean"
        default:
            let text = "\(type)"
            if text.hasPrefix("Array") { return "an array" }
            if text.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }
}

/// Renders an error with its underlying causes, for logs.
public enum ErrorCause {
    public static func chain(_ error: any Error) -> String {
        var parts = ["\(error)"]
        var current = error as NSError
        while let underlying = current.userInfo[NSUnderlyingErrorKey] as? NSError, parts.count < 8 {
            parts.append("\(underlying)")
            current = underlying
        }
        return parts.joined(separator: " ← ")
    }
}
