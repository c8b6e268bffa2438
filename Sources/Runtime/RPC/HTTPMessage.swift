import Foundation

/// A plain HTTP request as a route handler sees it (the body already read completely).
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    /// The raw query string, if any.
    public var query: String?
    /// Request headers, names lowercased.
    public var headers: [String: String]
    public var body: Data

    public init(
        method: String, path: String, query: String? = nil, headers: [String: String] = [:], body: Data = Data()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A plain HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int = 200, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response of an `Encodable` value.
    public static func json<T: Encodable>(
        _ value: T, status: Int = 200, headers: [(String, String)] = []
    ) -> HTTPResponse {
        let body = (try? JSONCoding.encoder.encode(value)) ?? Data("{}".utf8)
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
    }

    /// A plain-HTTP error in the cluster's shape: `{"error":{"code":"…","message":"…","traceId":"…"}}`.
    public static func error(
        _ code: RPCErrorCode, _ message: String, traceID: String? = nil, status: Int? = nil,
        headers: [(String, String)] = []
    ) -> HTTPResponse {
        json(
            ErrorBody(error: .init(code: code.name, message: message, traceId: traceID)),
            status: status ?? code.httpStatus, headers: headers)
    }

    /// A text response.
    public static func text(
        _ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8"
    )
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: Data(text.utf8))
    }
}

/// `{"error":{"code","message"}}`: the error shape of plain HTTP routes (the checkout contract's `ErrorResponse`).
public struct ErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        public var traceId: String?
    }

    public var error: Detail
}

/// Shared JSON coders (thread-safe for concurrent use).
public enum JSONCoding {
    /// Compact output in declaration order (sorting keys cost ~10% of a small call).
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()
    public static let decoder = JSONDecoder()
}
