import Causality

/// The `data` of an RPC event (`rpc.send`, `rpc.receive`, `rpc.reply.send`, `rpc.reply.receive`, `rpc.failure`)
/// read straight from a trace line's bytes, for readers that do not need it as a dictionary (the analyzer's
/// checks): the fields the RPC payloads define, and the object's bytes as written, decoded only when asked
/// (`object`).
///
/// `FastEventDecoder` keeps an event's `data` this way only when every field of it is one of the RPC fields, each
/// once, each a string or a plain integer that fits 64 bits: any other `data` is decoded as usual. So decoding
/// `raw` always gives what decoding the line would have given.
public struct RPCDataFields: Sendable {
    /// The kinds whose `data` may be kept raw.
    public static let kinds: Set<String> = [
        "rpc.send", "rpc.receive", "rpc.reply.send", "rpc.reply.receive", "rpc.failure",
    ]

    public var msg: String?
    public var peer: String?
    public var method: String?
    public var status: String?
    public var error: String?
    public var httpStatus: Int64?
    public var durationNanos: Int64?
    /// The `data` object's bytes as written in the line.
    public var raw: [UInt8] = []

    public init() {}

    /// `raw` decoded into the dictionary the event's `data` would have held (nil only for bytes that are not a
    /// JSON object, which `FastEventDecoder` never keeps).
    public func object() -> [String: TraceValue]? { Self.object(raw) }

    /// `raw`, the bytes of a `data` object, decoded into its dictionary (nil for bytes that are not a JSON object).
    public static func object(_ raw: [UInt8]) -> [String: TraceValue]? {
        raw.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes)
            guard case .object(let object)? = scanner.value() else { return nil }
            return object
        }
    }
}

extension JSONScanner {
    /// The RPC fields of the `data` object at the cursor, or nil (the cursor back where it was) when the object
    /// holds anything else: another key, a repeated key, `null`, a number with a fraction or beyond 64 bits.
    /// Strings are decoded by `string()`, as `value()` decodes them.
    mutating func rpcDataFields() -> RPCDataFields? {
        skipSpace()
        let start = index
        guard let fields = scanRPCFields() else {
            index = start
            return nil
        }
        return fields
    }

    private mutating func scanRPCFields() -> RPCDataFields? {
        let start = index
        guard consume(UInt8(ascii: "{")) else { return nil }
        var fields = RPCDataFields()
        var seen: UInt8 = 0
        if !consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = rpcDataKey(), consume(UInt8(ascii: ":")), let field = key else { return nil }
                let bit = field.rawValue
                guard seen & bit == 0 else { return nil }
                seen |= bit
                if bit >= 32 {
                    guard peek() != UInt8(ascii: "\""), let value = fastInteger(), let exact = Int64(exactly: value)
                    else { return nil }
                    if bit == 32 { fields.httpStatus = exact } else { fields.durationNanos = exact }
                } else {
                    guard peek() == UInt8(ascii: "\""), let value = string() else { return nil }
                    switch bit {
                    case 1: fields.msg = value
                    case 2: fields.peer = value
                    case 4: fields.method = value
                    case 8: fields.status = value
                    default: fields.error = value
                    }
                }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return nil }
        }
        if copiesRPCDataRaw { fields.raw = Array(UnsafeBufferPointer(rebasing: bytes[start..<index])) }
        return fields
    }
}
