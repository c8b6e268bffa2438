import Foundation
import WireJSON

/// The JSON-RPC envelope read and written without Foundation, for methods whose params and result are
/// `WireDecodable`/`WireEncodable` (`Router.register` and `RPCClient.call` pick it up by themselves). Whatever
/// the fast reader does not take goes the Foundation way, which accepts or refuses with its own message, so the
/// wire and the errors stay what they were.
enum WireRPC {
    /// What the fast reader made of a request body.
    enum Request {
        /// The envelope's members as `JSONRPCTypedRequest` reads them, and the params.
        case decoded(jsonrpc: String?, id: JSONRPCID?, hasID: Bool, params: any WireDecodable)
        /// Decode with Foundation instead.
        case fallback
        /// Refused: a bound of `WireLimits` was exceeded.
        case refused(String)
    }

    /// Reads `{"jsonrpc":…,"id":…,"params":…}` (other members skipped; the first of two equal keys kept).
    static func request<Params: WireDecodable>(_ type: Params.Type, from body: Data) -> Request {
        body.withUnsafeBytes { raw in
            guard raw.count <= WireLimits.default.maxBytes else { return .refused("the body is too large") }
            var reader = JSONReader(raw)
            do throws(WireDecodingError) {
                var jsonrpc: String?
                var id: JSONRPCID?
                var params: Params?
                var seen = SeenFields()
                reader.skipWhitespace()
                var cursor = try reader.beginObject()
                while let key = try reader.nextKey(&cursor) {
                    if key == "jsonrpc", seen.first(0) {
                        jsonrpc = try reader.readOptionalString()
                    } else if key == "id", seen.first(1) {
                        id = try readID(&reader)
                    } else if key == "params", seen.first(2) {
                        params = try Params(wire: &reader)
                    } else {
                        try reader.skipValue()
                    }
                }
                try reader.finish()
                guard let params else { return .fallback }
                return .decoded(jsonrpc: jsonrpc, id: id, hasID: seen.contains(1), params: params)
            } catch {
                if case .limit(let reason) = error { return .refused(reason) }
                return .fallback
            }
        }
    }

    /// An id as `JSONRPCID` decodes it through `decodeIfPresent` (`null` is absent); other forms go the slow way.
    private static func readID(_ reader: inout JSONReader) throws(WireDecodingError) -> JSONRPCID? {
        if reader.readNull() { return nil }
        if reader.nextByte == UInt8(ascii: "\"") { return .string(try reader.readString()) }
        guard let number = Int64(exactly: try reader.readInt()) else { throw .unsupported }
        return .number(number)
    }

    /// `{"jsonrpc":"2.0","id":…,"result":…}`, or nil when the result cannot be written (Foundation then throws).
    static func success(id: JSONRPCID, result: any WireEncodable) -> Data? {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("jsonrpc")
        writer.string("2.0")
        writer.key("id")
        write(id, into: &writer)
        writer.key("result")
        result.encode(into: &writer)
        writer.endObject()
        return writer.isValid ? Data(writer.bytes) : nil
    }

    /// `{"jsonrpc":"2.0","id":…,"method":…,"params":…}`; nil when `params` has no fast codec or cannot be
    /// written.
    static func requestBody(id: JSONRPCID, method: String, params: some Encodable) -> Data? {
        guard let params = params as? any WireEncodable else { return nil }
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.key("jsonrpc")
        writer.string("2.0")
        writer.key("id")
        write(id, into: &writer)
        writer.key("method")
        writer.string(method)
        writer.key("params")
        params.encode(into: &writer)
        writer.endObject()
        return writer.isValid ? Data(writer.bytes) : nil
    }

    private static func write(_ id: JSONRPCID, into writer: inout JSONWriter) {
        switch id {
        case .number(let number): writer.int(Int(truncatingIfNeeded: number))
        case .string(let text): writer.string(text)
        case .null: writer.null()
        }
    }

    /// The result of a success reply `{"result":…}` when `Result` has a fast codec and the reply is plain; nil
    /// otherwise (an error reply, a missing result, anything unusual: Foundation reads it).
    static func result<Result: Decodable>(_ type: Result.Type, from body: Data) -> Result? {
        guard let wire = type as? any WireDecodable.Type else { return nil }
        return reply(wire, from: body) as? Result
    }

    private static func reply<Value: WireDecodable>(_ type: Value.Type, from body: Data) -> Value? {
        body.withUnsafeBytes { raw -> Value? in
            guard raw.count <= WireLimits.default.maxBytes else { return nil }
            var reader = JSONReader(raw)
            do throws(WireDecodingError) {
                var value: Value?
                var seen = SeenFields()
                reader.skipWhitespace()
                var cursor = try reader.beginObject()
                while let key = try reader.nextKey(&cursor) {
                    if key == "result", seen.first(0) {
                        value = try reader.readOptional(Value.self)
                    } else if key == "error" {
                        return nil
                    } else {
                        try reader.skipValue()
                    }
                }
                try reader.finish()
                return value
            } catch {
                return nil
            }
        }
    }
}

extension Router {
    /// The handler of a method whose params and result have fast codecs: the envelope and params read by
    /// `WireRPC`, the reply written by it; `slow` (the Foundation handler) takes every body the fast reader
    /// does not, so replies and errors are the same. Nil when the types have no fast codec.
    static func wireHandler<Params: Decodable & Sendable, Result: Encodable & Sendable>(
        _ method: String, handler: @escaping @Sendable (Params, RequestContext) throws -> Result,
        otherwise slow: @escaping MethodHandler
    ) -> MethodHandler? {
        guard let wireParams = Params.self as? any WireDecodable.Type, Result.self is any WireEncodable.Type else {
            return nil
        }
        return { body, context in
            switch WireRPC.request(wireParams, from: body) {
            case .fallback:
                return slow(body, context)
            case .refused(let reason):
                return failure(
                    RPCError(.invalidParams, "\(method): \(reason)"), id: .null, traceID: context.trace.traceID)
            case .decoded(let jsonrpc, let id, let hasID, let decoded):
                guard jsonrpc == "2.0", let params = decoded as? Params else { return slow(body, context) }
                let replyID = id ?? .null
                var outcome: MethodOutcome
                do {
                    let result = try handler(params, context)
                    let fast = (result as? any WireEncodable).flatMap { WireRPC.success(id: replyID, result: $0) }
                    let body = try fast ?? JSONCoding.encoder.encode(JSONRPCSuccess(id: replyID, result: result))
                    outcome = MethodOutcome(status: 200, body: body)
                } catch let error as RPCError {
                    outcome = failure(error, id: replyID, traceID: context.trace.traceID)
                } catch {
                    outcome = internalFailure(error, id: replyID, context: context)
                }
                outcome.isNotification = !hasID
                return outcome
            }
        }
    }
}
