/// A cursor over untrusted JSON bytes for `WireDecodable` messages.
///
/// Strict and bounded: it takes RFC 8259 JSON only (no trailing commas, no byte-order mark, no escaped object
/// keys, integers without fraction or exponent) and throws `.unsupported` for anything else, including every
/// type mismatch, so that the caller falls back to the reference decoder, which accepts or refuses with its own
/// message. It never traps: sizes are checked against `WireLimits` (throwing `.limit`), integers are
/// accumulated with overflow checks, strings are validated as UTF-8 after unescaping (surrogate pairs joined,
/// lone surrogates refused).
public struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    public internal(set) var position = 0
    private var depth = 0
    let limits: WireLimits

    public init(_ bytes: UnsafeRawBufferPointer, limits: WireLimits = .default) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Where an object is in its members (see `nextKey`).
    public struct ObjectCursor {
        fileprivate var first = true
    }

    /// Where an array is in its elements (see `nextElement`).
    public struct ArrayCursor {
        fileprivate var count = 0
    }

    // MARK: Structure

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    public mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func expect(_ byte: UInt8) throws(WireDecodingError) {
        guard peek() == byte else { throw .unsupported }
        position += 1
    }

    /// Checks that only whitespace follows.
    public mutating func finish() throws(WireDecodingError) {
        skipWhitespace()
        guard position == bytes.count else { throw .unsupported }
    }

    private mutating func enter() throws(WireDecodingError) {
        depth += 1
        guard depth <= limits.maxDepth else { throw .limit("JSON nests deeper than \(limits.maxDepth) levels") }
    }

    /// Reads `{`; then call `nextKey` until it returns nil.
    public mutating func beginObject() throws(WireDecodingError) -> ObjectCursor {
        try expect(UInt8(ascii: "{"))
        try enter()
        return ObjectCursor()
    }

    /// The next member's key, the reader left at its value (whitespace skipped); nil after the closing `}`.
    /// The caller must read or skip the value before calling again.
    public mutating func nextKey(_ cursor: inout ObjectCursor) throws(WireDecodingError) -> JSONKey? {
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return nil
        }
        if cursor.first {
            cursor.first = false
        } else {
            try expect(UInt8(ascii: ","))
            skipWhitespace()
        }
        try expect(UInt8(ascii: "\""))
        let start = position
        var nonASCII = false
        while true {
            guard let byte = peek() else { throw .unsupported }
            // An escaped key could spell a known name; the reference decoder decides those.
            guard byte != UInt8(ascii: "\\"), byte >= 0x20 else { throw .unsupported }
            if byte == UInt8(ascii: "\"") { break }
            nonASCII = nonASCII || byte >= 0x80
            position += 1
        }
        guard position - start <= limits.maxStringBytes else {
            throw .limit("a key is longer than \(limits.maxStringBytes) bytes")
        }
        let key = JSONKey(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        if nonASCII, String(validating: key.bytes, as: UTF8.self) == nil { throw .unsupported }
        position += 1
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
        skipWhitespace()
        return key
    }

    /// Reads `[`; then call `nextElement` until it returns false.
    public mutating func beginArray() throws(WireDecodingError) -> ArrayCursor {
        try expect(UInt8(ascii: "["))
        try enter()
        return ArrayCursor()
    }

    /// True with the reader at the next element (whitespace skipped); false after the closing `]`.
    public mutating func nextElement(_ cursor: inout ArrayCursor) throws(WireDecodingError) -> Bool {
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return false
        }
        if cursor.count > 0 {
            try expect(UInt8(ascii: ","))
            skipWhitespace()
        }
        cursor.count += 1
        guard cursor.count <= limits.maxArrayCount else {
            throw .limit("an array has more than \(limits.maxArrayCount) elements")
        }
        return true
    }

    /// Moves back to `offset` (an earlier `position`), to read a value again once its meaning is known.
    public mutating func rewind(to offset: Int) {
        position = min(max(0, offset), bytes.count)
    }

    // MARK: Literals and numbers

    /// Reads `null` if it is next (true), else leaves the reader where it is (false).
    public mutating func readNull() -> Bool {
        guard matches(0x6E, 0x75, 0x6C, 0x6C) else { return false }
        position += 4
        return true
    }

    private func matches(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Bool {
        position + 4 <= bytes.count && bytes[position] == a && bytes[position + 1] == b
            && bytes[position + 2] == c && bytes[position + 3] == d
    }

    /// Reads `true` or `false`.
    public mutating func readBool() throws(WireDecodingError) -> Bool {
        if matches(0x74, 0x72, 0x75, 0x65) {
            position += 4
            return true
        }
        if matches(0x66, 0x61, 0x6C, 0x73), position + 4 < bytes.count, bytes[position + 4] == 0x65 {
            position += 5
            return false
        }
        throw .unsupported
    }

    /// Reads an integer written without fraction or exponent that fits in `Int`.
    public mutating func readInt() throws(WireDecodingError) -> Int {
        let negative = peek() == UInt8(ascii: "-")
        if negative { position += 1 }
        let start = position
        var value = 0
        while let byte = peek(), byte &- UInt8(ascii: "0") < 10 {
            let digit = Int(byte &- UInt8(ascii: "0"))
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowPlus) =
                negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflowTimes, !overflowPlus else { throw .unsupported }
            value = next
            position += 1
        }
        try checkIntegerEnd(digitsFrom: start)
        return value
    }

    /// After the digits of an integer that began at `start`: refuses none, a leading zero, a fraction and an exponent
    /// (all `.unsupported`: the reference decoder decides).
    func checkIntegerEnd(digitsFrom start: Int) throws(WireDecodingError) {
        let count = position - start
        guard count > 0, count == 1 || bytes[start] != UInt8(ascii: "0") else { throw .unsupported }
        if let byte = peek(), byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e") { throw .unsupported }
    }

    /// Reads a number as the nearest finite `Double`.
    public mutating func readDouble() throws(WireDecodingError) -> Double {
        let start = position
        try skipNumber()
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw .unsupported }
        return value
    }

    /// Skips one number of RFC 8259's grammar.
    private mutating func skipNumber() throws(WireDecodingError) {
        if peek() == UInt8(ascii: "-") { position += 1 }
        guard let first = peek(), first &- UInt8(ascii: "0") < 10 else { throw .unsupported }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() > 0 else { throw .unsupported }
        }
        if let byte = peek(), byte | 0x20 == UInt8(ascii: "e") {
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() > 0 else { throw .unsupported }
        }
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = position
        while let byte = peek(), byte &- UInt8(ascii: "0") < 10 { position += 1 }
        return position - start
    }

    // MARK: Any value

    /// Skips one value of any type, validating it strictly (and within the limits).
    public mutating func skipValue() throws(WireDecodingError) {
        guard let byte = peek() else { throw .unsupported }
        switch byte {
        case UInt8(ascii: "\""): _ = try readString()
        case UInt8(ascii: "{"):
            var cursor = try beginObject()
            while try nextKey(&cursor) != nil { try skipValue() }
        case UInt8(ascii: "["):
            var cursor = try beginArray()
            while try nextElement(&cursor) { try skipValue() }
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readBool()
        case UInt8(ascii: "n"): guard readNull() else { throw .unsupported }
        default: try skipNumber()
        }
    }
}

/// An object member's name as it appears on the wire (no escapes), valid while its reader's bytes are.
public struct JSONKey {
    let bytes: UnsafeRawBufferPointer

    /// The index in `names` of the name equal to this key, nil when none is.
    public func index(in names: [StaticString]) -> Int? {
        for (index, name) in names.enumerated() where self == name { return index }
        return nil
    }

    /// True when the key is exactly `name`.
    public static func == (key: JSONKey, name: StaticString) -> Bool {
        guard key.bytes.count == name.utf8CodeUnitCount else { return false }
        let other = name.utf8Start
        for offset in 0..<key.bytes.count where key.bytes[offset] != other[offset] { return false }
        return true
    }
}

extension JSONReader {
    /// The next byte, nil at the end (to choose between the forms a value may take).
    public var nextByte: UInt8? { peek() }
}
