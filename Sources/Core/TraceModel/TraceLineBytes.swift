import Causality

/// A cursor that writes one trace line into scratch memory of a fixed size, for `TraceEventEncoder`.
///
/// Appending to a `[UInt8]` piece by piece cost a uniqueness and capacity check and a call per piece (about 40 per
/// event, a third of the encoder's instructions). Here each piece is one bounds check and a copy; a line that does
/// not fit sets `overflowed` (and stops writing), and the encoder writes it again into larger scratch.
struct TraceLineBytes {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// Bytes written so far.
    private(set) var count = 0
    /// True once a piece did not fit: the line is incomplete and must be written again with more room.
    private(set) var overflowed = false

    init(_ scratch: UnsafeMutableBufferPointer<UInt8>) {
        base = scratch.baseAddress!
        capacity = scratch.count
    }

    /// The bytes written so far.
    var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        guard count < capacity else {
            overflowed = true
            return
        }
        base[count] = value
        count &+= 1
    }

    @inline(__always)
    mutating func bytes(_ source: UnsafeBufferPointer<UInt8>) {
        guard source.count <= capacity &- count else {
            overflowed = true
            return
        }
        if let start = source.baseAddress { (base + count).update(from: start, count: source.count) }
        count &+= source.count
    }

    @inline(__always)
    mutating func literal(_ text: StaticString) {
        bytes(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `text` as a JSON string: quoted, escaped as `JSONText.escaped` does (ids, names and kinds need no escaping:
    /// their bytes are copied as they are).
    mutating func string(_ text: String) {
        byte(0x22)
        var text = text
        let clean: Bool = text.withUTF8 { source in
            guard Self.needsNoEscape(source) else { return false }
            bytes(source)
            return true
        }
        if !clean {
            var escaped = JSONText.escaped(text)
            escaped.withUTF8 { bytes($0) }
        }
        byte(0x22)
    }

    /// True when no byte of `source` is a control byte, `"` or `\\`. Eight bytes at a time (the classic "has a
    /// byte less than n / equal to n" word tricks, exact about whether there is one): a byte at a time was most of
    /// the cost of a string.
    static func needsNoEscape(_ source: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = source.baseAddress else { return true }
        let raw = UnsafeRawPointer(start)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        while source.count - index >= 8 {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let below = (word &- ones &* 0x20) & ~word
            let quotes = (quote &- ones) & ~quote
            let backslashes = (backslash &- ones) & ~backslash
            if (below | quotes | backslashes) & highs != 0 { return false }
            index &+= 8
        }
        while index < source.count {
            let byte = start[index]
            if byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            index &+= 1
        }
        return true
    }

    /// Decimal digits of `value`, written in place.
    mutating func unsigned(_ value: UInt64) {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits &+= 1
        }
        guard digits <= capacity &- count else {
            overflowed = true
            return
        }
        rest = value
        var index = count &+ digits
        repeat {
            index &-= 1
            base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        } while rest > 0
        count &+= digits
    }

    mutating func integer(_ value: Int64) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            unsigned(value.magnitude)
        } else {
            unsigned(UInt64(value))
        }
    }

    /// The clock as `VectorClock.appendJSON` writes it: `{"a":1,"b":2}`, keys in order.
    mutating func clock(_ clock: VectorClock) {
        byte(UInt8(ascii: "{"))
        var first = true
        for entry in clock.sortedEntries {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            string(entry.key)
            byte(UInt8(ascii: ":"))
            unsigned(entry.value)
        }
        byte(UInt8(ascii: "}"))
    }
}
