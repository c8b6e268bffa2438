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
    /// their bytes are copied as they are, checked as they are copied).
    mutating func string(_ text: String) {
        byte(0x22)
        let copied = text.utf8.withContiguousStorageIfAvailable { copyUnescaped($0) } ?? false
        if !copied {
            var escaped = JSONText.escaped(text)
            escaped.withUTF8 { bytes($0) }
        }
        byte(0x22)
    }

    /// Copies `source` if none of its bytes needs escaping (a control byte, `"` or `\\`) and returns true; returns
    /// false, having written nothing, if one does. Eight bytes at a time, each word checked as it is copied (the
    /// classic "has a byte less than n / equal to n" word tricks, exact about whether there is one): a check pass
    /// and then a `memcpy` were most of the cost of a string.
    mutating func copyUnescaped(_ source: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = source.baseAddress else { return true }
        let length = source.count
        guard length <= capacity &- count else {
            overflowed = true  // the line is written again with more room
            return true
        }
        let from = UnsafeRawPointer(start)
        let to = UnsafeMutableRawPointer(base + count)
        if length >= 8 {
            var index = 0
            while length &- index > 8 {
                let word = from.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if Self.hasByteToEscape(word) { return false }
                to.storeBytes(of: word, toByteOffset: index, as: UInt64.self)
                index &+= 8
            }
            // The last eight bytes, overlapping what was copied already.
            let word = from.loadUnaligned(fromByteOffset: length &- 8, as: UInt64.self)
            if Self.hasByteToEscape(word) { return false }
            to.storeBytes(of: word, toByteOffset: length &- 8, as: UInt64.self)
        } else {
            for index in 0..<length {
                let byte = start[index]
                if byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
                to.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
            }
        }
        count &+= length
        return true
    }

    /// True when one of the eight bytes of `word` is a control byte, `"` or `\\`.
    @inline(__always)
    static func hasByteToEscape(_ word: UInt64) -> Bool { JSONStringBytes.escapeStops(word) != 0 }

    /// "00", "01", … "99": two digits per division.
    private static var digitPairs: StaticString {
        """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
    }

    /// 10^0 … 10^19.
    private static let powersOfTen: [UInt64] = (0...19).map { power in
        (0..<power).reduce(1) { value, _ in value * 10 }
    }

    /// How many decimal digits `value` has (1 for 0): from its bit length, corrected by one comparison.
    @inline(__always)
    static func decimalDigits(_ value: UInt64) -> Int {
        let estimate = ((64 &- value.leadingZeroBitCount) &* 1233) >> 12  // ⌊bits · log10 2⌋, 0 … 19
        return value >= powersOfTen[estimate] ? estimate &+ 1 : max(estimate, 1)
    }

    /// Decimal digits of `value`, written in place, two at a time from the right.
    mutating func unsigned(_ value: UInt64) {
        let digits = Self.decimalDigits(value)
        guard digits <= capacity &- count else {
            overflowed = true
            return
        }
        let pairs = Self.digitPairs.utf8Start
        var rest = value
        var index = count &+ digits
        while rest >= 100 {
            let pair = Int(truncatingIfNeeded: rest % 100) &* 2
            rest /= 100
            index &-= 2
            base[index] = pairs[pair]
            base[index &+ 1] = pairs[pair &+ 1]
        }
        if rest >= 10 {
            let pair = Int(truncatingIfNeeded: rest) &* 2
            base[index &- 2] = pairs[pair]
            base[index &- 1] = pairs[pair &+ 1]
        } else {
            base[index &- 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
        }
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
