import Foundation

/// A JSON-RPC request id: a number, a string, or absent.
public enum JSONRPCID: Sendable, Codable, Equatable {
    case number(Int64)
    case string(String)
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let number = try? container.decode(Int64.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        case .null: try container.encodeNil()
        }
    }
}

/// `{"jsonrpc":"2.0","id":…,"method":"…","params":…}`.
struct JSONRPCRequest<Params: Encodable>: Encodable {
    var jsonrpc = "2.0"
    var id: JSONRPCID
    var method: String
    var params: Params
}

/// The envelope without its params: read first when the method is not known from the URL, and to find the
/// id of a request that failed before its handler ran. `hasID` tells a notification (no `id` member) from
/// `"id": null`.
struct JSONRPCRequestHead: Decodable {
    var jsonrpc: String?
    var id: JSONRPCID?
    var hasID: Bool
    var method: String?

    private enum CodingKeys: String, CodingKey { case jsonrpc, id, method }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jsonrpc = try? container.decodeIfPresent(String.self, forKey: .jsonrpc)
        hasID = container.contains(.id)
        id = hasID ? ((try? container.decode(JSONRPCID.self, forKey: .id)) ?? .null) : nil
        method = try? container.decodeIfPresent(String.self, forKey: .method)
    }

    /// The head of `body`, nil when it is not a JSON object.
    static func peek(_ body: Data) -> JSONRPCRequestHead? {
        try? JSONCoding.decoder.decode(JSONRPCRequestHead.self, from: body)
    }

    /// The id to answer an error with (`null` when unknown).
    var replyID: JSONRPCID { id ?? .null }

    /// True for `"jsonrpc": "2.0"`.
    var isVersion2: Bool { jsonrpc == "2.0" }
}

/// The envelope with typed params.
struct JSONRPCTypedRequest<Params: Decodable>: Decodable {
    var jsonrpc: String?
    var id: JSONRPCID?
    var hasID: Bool
    var params: Params

    private enum CodingKeys: String, CodingKey { case jsonrpc, id, params }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jsonrpc = try container.decodeIfPresent(String.self, forKey: .jsonrpc)
        hasID = container.contains(.id)
        id = try container.decodeIfPresent(JSONRPCID.self, forKey: .id)
        params = try container.decode(Params.self, forKey: .params)
    }
}

/// `{"jsonrpc":"2.0","id":…,"result":…}`.
struct JSONRPCSuccess<Result: Encodable>: Encodable {
    var jsonrpc = "2.0"
    var id: JSONRPCID
    var result: Result
}

/// `{"jsonrpc":"2.0","id":…,"error":{…}}`.
struct JSONRPCFailure: Codable {
    var jsonrpc = "2.0"
    var id: JSONRPCID
    var error: RPCError
}

/// Either kind of reply, as a client reads it.
struct JSONRPCReply<Result: Decodable>: Decodable {
    var result: Result?
    var error: RPCError?
}

/// A method that takes or returns nothing: `{}` on the wire.
public struct Empty: Codable, Sendable, Equatable {
    public init() {}
}
