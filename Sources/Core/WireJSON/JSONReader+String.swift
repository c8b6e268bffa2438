extension JSONReader {
    /// Reads a string: escapes decoded (`\uXXXX` surrogate pairs joined; a lone surrogate, an unknown escape, a raw
    /// control character or invalid UTF-8 throws `.unsupported`), at most `maxStringBytes` bytes on the wire.
    public mutating func readString() throws(WireDecodingError) -> String {
        try expect(UInt8(ascii: "\""))
        let start = position
        var hasEscape = false
        var nonASCII = false
        while true {
            guard let byte = peek() else { throw .unsupported }
            if byte == UInt8(ascii: "\"") { break }
            guard byte >= 0x20 else { throw .unsupported }
            if byte == UInt8(ascii: "\\") {
                hasEscape = true
                position += 1
                guard peek() != nil else { throw .unsupported }
            }
            nonASCII = nonASCII || byte >= 0x80
            position += 1
        }
        guard position - start <= limits.maxStringBytes else {
            throw .limit("a string is longer than \(limits.maxStringBytes) bytes")
        }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        position += 1
        if !hasEscape {
            if !nonASCII { return String(decoding: raw, as: UTF8.self) }
            guard let text = String(validating: raw, as: UTF8.self) else { throw .unsupported }
            return text
        }
        return try Self.unescape(raw)
    }

    /// Reads a string, or nil for `null`.
    public mutating func readOptionalString() throws(WireDecodingError) -> String? {
        if readNull() { return nil }
        return try readString()
    }

    /// The text of a string's body with escapes.
    private static func unescape(_ raw: UnsafeRawBufferPointer) throws(WireDecodingError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard index < raw.count else { throw .unsupported }
            let escape = raw[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let scalar = try unicodeEscape(raw, at: &index)
                appendUTF8(scalar, to: &out)
            default: throw .unsupported
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw .unsupported }
        return text
    }

    /// The scalar of a `\uXXXX` escape whose hex digits start at `index` (a high surrogate must be followed by
    /// `\u` and a low one); `index` moves past what was read.
    private static func unicodeEscape(
        _ raw: UnsafeRawBufferPointer, at index: inout Int
    ) throws(WireDecodingError)
        -> Unicode.Scalar
    {
        let first = try hex4(raw, at: &index)
        switch first {
        case 0xD800...0xDBFF:
            guard index + 2 <= raw.count, raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u")
            else { throw .unsupported }
            index += 2
            let second = try hex4(raw, at: &index)
            guard (0xDC00...0xDFFF).contains(second) else { throw .unsupported }
            let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            guard let scalar = Unicode.Scalar(value) else { throw .unsupported }
            return scalar
        case 0xDC00...0xDFFF:
            throw .unsupported
        default:
            guard let scalar = Unicode.Scalar(first) else { throw .unsupported }
            return scalar
        }
    }

    private static func hex4(_ raw: UnsafeRawBufferPointer, at index: inout Int) throws(WireDecodingError) -> UInt32 {
        guard index + 4 <= raw.count else { throw .unsupported }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = raw[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .unsupported
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private static func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }
}

extension JSONReader {
    /// Reads a value of `type`, or nil for `null`.
    public mutating func readOptional<Value: WireDecodable>(_ type: Value.Type) throws(WireDecodingError) -> Value? {
        if readNull() { return nil }
        return try Value(wire: &self)
    }

    /// Reads an array of `type` values (no `null` elements).
    public mutating func readArray<Value: WireDecodable>(of type: Value.Type) throws(WireDecodingError) -> [Value] {
        var values: [Value] = []
        var cursor = try beginArray()
        while try nextElement(&cursor) { values.append(try Value(wire: &self)) }
        return values
    }

    /// Reads an array of `type` values, or nil for `null`.
    public mutating func readOptionalArray<Value: WireDecodable>(
        of type: Value.Type
    ) throws(WireDecodingError)
        -> [Value]?
    {
        if readNull() { return nil }
        return try readArray(of: type)
    }

    /// Reads an array of strings.
    public mutating func readStringArray() throws(WireDecodingError) -> [String] {
        var values: [String] = []
        var cursor = try beginArray()
        while try nextElement(&cursor) { values.append(try readString()) }
        return values
    }

    /// Reads an integer, or nil for `null`.
    public mutating func readOptionalInt() throws(WireDecodingError) -> Int? {
        if readNull() { return nil }
        return try readInt()
    }

    /// Reads a boolean, or nil for `null`.
    public mutating func readOptionalBool() throws(WireDecodingError) -> Bool? {
        if readNull() { return nil }
        return try readBool()
    }
}

/// Which of a message's fields were read: the reference decoder keeps the first of two equal keys, so a
/// repeated key's value is skipped (still validated).
public struct SeenFields {
    private var mask: UInt64 = 0

    public init() {}

    /// True the first time `index` (< 64) is seen.
    public mutating func first(_ index: Int) -> Bool {
        let bit: UInt64 = 1 << UInt64(truncatingIfNeeded: index & 63)
        defer { mask |= bit }
        return mask & bit == 0
    }

    /// True when `index` was seen.
    public func contains(_ index: Int) -> Bool { mask & (1 << UInt64(truncatingIfNeeded: index & 63)) != 0 }
}
