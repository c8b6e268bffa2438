/// A message that writes its own JSON, byte for byte what Foundation's `JSONEncoder` (compact, keys in
/// declaration order, slashes unescaped, absent optionals omitted) writes for its `Encodable` conformance.
public protocol WireEncodable {
    /// Appends the value's JSON to `writer`.
    func encode(into writer: inout JSONWriter)
}

/// A message that reads its own JSON with a `JSONReader`, accepting only what Foundation's `JSONDecoder` accepts
/// for its `Decodable` conformance and producing the same value (throw `.unsupported` for anything else).
public protocol WireDecodable {
    /// Reads one value at the reader's position (leading whitespace already skipped).
    init(wire reader: inout JSONReader) throws(WireDecodingError)
}

/// Both directions.
public typealias WireCodable = WireDecodable & WireEncodable

extension WireEncodable {
    /// The JSON of the value, or nil when it cannot be written (a non-finite number: the reference encoder
    /// throws there, so the caller encodes with it to get the same error).
    public var wireJSON: [UInt8]? {
        var writer = JSONWriter(capacity: 256)
        encode(into: &writer)
        return writer.isValid ? writer.bytes : nil
    }
}

extension WireDecodable {
    /// Decodes a whole message: one JSON value, surrounded by whitespace only.
    public static func decode(wire bytes: UnsafeRawBufferPointer, limits: WireLimits = .default) -> WireDecoding<Self> {
        guard bytes.count <= limits.maxBytes else {
            return .refused("the message is larger than \(limits.maxBytes) bytes")
        }
        var reader = JSONReader(bytes, limits: limits)
        do throws(WireDecodingError) {
            reader.skipWhitespace()
            let value = try Self(wire: &reader)
            try reader.finish()
            return .decoded(value)
        } catch {
            switch error {
            case .unsupported: return .fallback
            case .limit(let reason): return .refused(reason)
            }
        }
    }

    /// Decodes a whole message held in an array.
    public static func decode(wire bytes: [UInt8], limits: WireLimits = .default) -> WireDecoding<Self> {
        bytes.withUnsafeBytes { decode(wire: $0, limits: limits) }
    }
}
