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

/// The envelope without its params: read first when the method is not known from the URL.
struct JSONRPCRequestHead: Decodable {
    var jsonrpc: String?
    var id: JSONRPCID?
    var method: String?
}

/// The envelope with typed params.
struct JSONRPCTypedRequest<Params: Decodable>: Decodable {
    var id: JSONRPCID?
    var params: Params
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
