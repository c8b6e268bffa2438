import Foundation

/// Stable error codes of the cluster's JSON-RPC layer (JSON-RPC 2.0 reserved codes plus our own).
public enum RPCErrorCode: Int, Sendable, Codable, CaseIterable {
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case internalError = -32603
    case deadlineExceeded = -32001
    case unavailable = -32002
    case payloadTooLarge = -32003
    /// The caller did not present the cluster credential (HTTP 401).
    case unauthorized = -32004
    /// The service is at a bound (queue full, too many connections): try again later (HTTP 503).
    case overloaded = -32005
    /// The same idempotency key was used with another request (HTTP 409).
    case conflict = -32006
    /// A handler's own refusal (bad input the handler understood, a business rule): see `data`.
    case application = -32010

    /// The HTTP status a server answers with for this code.
    public var httpStatus: Int {
        switch self {
        case .parseError, .invalidRequest, .invalidParams: return 400
        case .methodNotFound: return 404
        case .payloadTooLarge: return 413
        case .unauthorized: return 401
        case .overloaded: return 503
        case .conflict: return 409
        case .application: return 422
        case .unavailable: return 503
        case .deadlineExceeded: return 504
        case .internalError: return 500
        }
    }

    /// A short stable name, used by plain-HTTP error bodies (`{"error":{"code":"invalid_params",…}}`).
    public var name: String {
        switch self {
        case .parseError: return "parse_error"
        case .invalidRequest: return "invalid_request"
        case .methodNotFound: return "method_not_found"
        case .invalidParams: return "invalid_params"
        case .internalError: return "internal"
        case .deadlineExceeded: return "deadline_exceeded"
        case .unavailable: return "unavailable"
        case .payloadTooLarge: return "payload_too_large"
        case .unauthorized: return "unauthorized"
        case .overloaded: return "overloaded"
        case .conflict: return "conflict"
        case .application: return "rejected"
        }
    }
}

/// A JSON-RPC error object, as sent on the wire: `{"code":-32601,"message":"…","data":{…}}`.
public struct RPCError: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    /// Extra, machine-readable details.
    public struct Details: Sendable, Codable, Equatable {
        /// The trace the failed request belonged to.
        public var traceID: String?
        /// Identifies a logged internal error without exposing its cause to the client.
        public var errorID: String?
        /// The method that failed.
        public var method: String?
        /// For application errors: a stable, handler-defined reason code.
        public var reason: String?

        public init(traceID: String? = nil, errorID: String? = nil, method: String? = nil, reason: String? = nil) {
            self.traceID = traceID
            self.errorID = errorID
            self.method = method
            self.reason = reason
        }
    }

    public var code: Int
    public var message: String
    public var data: Details?

    public init(code: Int, message: String, data: Details? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public init(_ code: RPCErrorCode, _ message: String, data: Details? = nil) {
        self.init(code: code.rawValue, message: message, data: data)
    }

    /// A handler's refusal with a stable reason code, e.g. `RPCError.application("out_of_stock", "…")`.
    public static func application(_ reason: String, _ message: String) -> RPCError {
        RPCError(.application, message, data: Details(reason: reason))
    }

    /// The known code, when it is one.
    public var knownCode: RPCErrorCode? { RPCErrorCode(rawValue: code) }

    public var description: String { "RPC error \(code) (\(knownCode?.name ?? "custom")): \(message)" }
}

/// Why a client call failed. Always names the peer and the method.
public struct RPCCallError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No reply before the call's deadline.
        case deadlineExceeded
        /// The peer could not be reached (connection refused, reset, unknown host).
        case unavailable(String)
        /// The peer answered something that is not a valid reply (status and a prefix of the body).
        case badReply(status: Int, detail: String)
        /// The peer answered with a JSON-RPC error.
        case remote(RPCError)
        /// The request could not be encoded.
        case encoding(String)
    }

    public var kind: Kind
    public var peer: String
    public var method: String
    /// How long the call took before failing.
    public var elapsedNanos: Int64

    public init(kind: Kind, peer: String, method: String, elapsedNanos: Int64 = 0) {
        self.kind = kind
        self.peer = peer
        self.method = method
        self.elapsedNanos = elapsedNanos
    }

    /// The stable code this failure maps to (e.g. for the caller's own error reply).
    public var code: RPCErrorCode {
        switch kind {
        case .deadlineExceeded: return .deadlineExceeded
        case .unavailable: return .unavailable
        case .badReply: return .internalError
        case .remote(let error): return error.knownCode ?? .application
        case .encoding: return .invalidParams
        }
    }

    /// The failure as a sentence about `subject` (the peer as the caller names it, e.g. "the order queue").
    public func problem(subject: String) -> String {
        switch kind {
        case .deadlineExceeded: return "\(subject) did not answer in time"
        case .unavailable(let reason): return "\(subject) is unavailable: \(reason)"
        case .remote(let remote): return "\(subject) failed: \(remote.message)"
        case .badReply(let status, _): return "\(subject) gave a bad reply (HTTP \(status))"
        case .encoding(let reason): return "cannot send to \(subject): \(reason)"
        }
    }

    /// A short name of the failure class, as recorded in traces.
    public var status: String {
        switch kind {
        case .deadlineExceeded: return "deadline_exceeded"
        case .unavailable: return "unavailable"
        case .badReply: return "bad_reply"
        case .remote: return "error"
        case .encoding: return "encoding"
        }
    }

    public var description: String {
        let ms = Double(elapsedNanos) / 1e6
        switch kind {
        case .deadlineExceeded:
            return "\(peer).\(method): deadline exceeded after \(String(format: "%.1f", ms)) ms"
        case .unavailable(let reason): return "\(peer).\(method): unavailable: \(reason)"
        case .badReply(let status, let detail): return "\(peer).\(method): bad reply (HTTP \(status)): \(detail)"
        case .remote(let error): return "\(peer).\(method): \(error)"
        case .encoding(let reason): return "\(peer).\(method): cannot encode request: \(reason)"
        }
    }
}
