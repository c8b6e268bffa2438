extension VectorClock: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.init(try container.decode([String: UInt64].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(entries)
    }
}

extension VectorClock: CustomStringConvertible {
    /// Compact, deterministic JSON text: `{"a":1,"b":2}` with keys sorted.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 + count * 24)
        appendJSON(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the text of `description` to `buffer` as UTF-8 bytes, without building a string: the writers of
    /// the `X-Vector-Clock` header and of the trace's `vc` member use it.
    public func appendJSON(to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "{"))
        var first = true
        for entry in sortedEntries {
            if !first { buffer.append(UInt8(ascii: ",")) }
            first = false
            buffer.append(UInt8(ascii: "\""))
            JSONText.appendEscaped(entry.key, to: &buffer)
            buffer.append(UInt8(ascii: "\""))
            buffer.append(UInt8(ascii: ":"))
            JSONText.appendDecimal(entry.value, to: &buffer)
        }
        buffer.append(UInt8(ascii: "}"))
    }
}
