/// Writes compact JSON into a byte buffer the way Foundation's `JSONEncoder` with `.withoutEscapingSlashes`
/// does: no spaces, `"`, `\` and control characters escaped (`\b \f \n \r \t`, others as lowercase `\u00xx`),
/// everything else (slashes, DEL, non-ASCII) as it is; integers in decimal; doubles in Swift's shortest form
/// without a trailing `.0`.
///
/// Commas are placed by the writer: call `key` before each member of an object, and write array elements one
/// after the other.
public struct JSONWriter {
    /// The JSON written so far.
    public var bytes: [UInt8]
    /// False once a value JSON cannot represent (a non-finite double) was written; the bytes are then unusable.
    public private(set) var isValid = true
    private var needsComma = false

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// `{`.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// `}`.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[`.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// `]`.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member's name and colon; `name` must be plain ASCII with nothing to escape (a Swift property name).
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A string value.
    public mutating func string(_ text: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            runStart = index + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            default:
                let low = byte & 0x0F
                bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(UInt8(ascii: "0") &+ (byte >> 4))
                bytes.append(low < 10 ? UInt8(ascii: "0") &+ low : UInt8(ascii: "a") &+ (low &- 10))
            }
        }
        if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
    }

    /// An integer value.
    public mutating func int(_ value: Int) {
        separate()
        needsComma = true
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDecimal(UInt64(value.magnitude))
    }

    /// An unsigned integer value, in decimal (as Foundation writes a `UInt64`).
    public mutating func uint(_ value: UInt64) {
        separate()
        needsComma = true
        appendDecimal(value)
    }

    /// Appends `magnitude`'s decimal digits.
    private mutating func appendDecimal(_ magnitude: UInt64) {
        var rest = magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var position = 20
            repeat {
                position -= 1
                buffer[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position...]))
        }
    }

    /// A double value; a non-finite one makes the writer invalid (Foundation's encoder throws there).
    public mutating func double(_ value: Double) {
        guard value.isFinite else {
            isValid = false
            return
        }
        separate()
        needsComma = true
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// A boolean value.
    public mutating func bool(_ value: Bool) {
        separate()
        needsComma = true
        bytes.append(contentsOf: value ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6C, 0x73, 0x65])
    }

    /// `null`.
    public mutating func null() {
        separate()
        needsComma = true
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    /// Raw JSON written by someone else (a message encoded once and sent many times); it must be one valid value.
    public mutating func raw(_ json: some Collection<UInt8>) {
        separate()
        needsComma = true
        bytes.append(contentsOf: json)
    }
}

extension JSONWriter {
    /// A string member, omitted when nil (what synthesized `Encodable` does with an optional).
    public mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    /// An integer member, omitted when nil.
    public mutating func field(_ name: StaticString, _ value: Int?) {
        guard let value else { return }
        key(name)
        int(value)
    }

    /// A boolean member, omitted when nil.
    public mutating func field(_ name: StaticString, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bool(value)
    }

    /// A message member, omitted when nil.
    public mutating func field(_ name: StaticString, _ value: (some WireEncodable)?) {
        guard let value else { return }
        key(name)
        value.encode(into: &self)
    }

    /// An array of messages, omitted when nil.
    public mutating func field(_ name: StaticString, _ values: [some WireEncodable]?) {
        guard let values else { return }
        key(name)
        beginArray()
        for value in values { value.encode(into: &self) }
        endArray()
    }

    /// An array of strings, omitted when nil.
    public mutating func field(_ name: StaticString, _ values: [String]?) {
        guard let values else { return }
        key(name)
        beginArray()
        for value in values { string(value) }
        endArray()
    }
}
