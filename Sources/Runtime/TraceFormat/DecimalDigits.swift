/// Reads the decimal digits of trace lines eight at a time (SWAR: one 64-bit load classifies and converts eight
/// bytes), instead of a multiply, an add and two checks per digit. Counters, timestamps and sequence numbers are
/// most of a line's digits.
enum DecimalDigits {
    /// The value and the count of the leading decimal digits of the bytes `start..<end` at `base`, at most 19 of
    /// them (so many always fit a `UInt64`): what a loop reading one digit at a time, up to 19, gives. A caller that
    /// must refuse longer numbers checks whether the byte after them is a digit too.
    @inline(__always)
    static func run(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> (value: UInt64, digits: Int) {
        var position = start
        var value: UInt64 = 0
        while end &- position >= 8 {
            let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
            var count = leadingDigits(word)
            let room = 19 &- (position &- start)
            if count > room { count = room }
            if count == 0 { return (value, position &- start) }
            let chunk = eightDigits(word &<< UInt64(64 &- 8 &* count))
            value = position == start ? chunk : value &* power(count) &+ chunk
            position &+= count
            if count < 8 { return (value, position &- start) }
        }
        // The last bytes of a line, fewer than eight: one at a time.
        while position < end, position &- start < 19 {
            let digit = base[position] &- 0x30
            guard digit < 10 else { break }
            value = value &* 10 &+ UInt64(digit)
            position &+= 1
        }
        return (value, position &- start)
    }

    /// How many of the eight bytes of `word` (first byte lowest) are decimal digits before the first that is not.
    @inline(__always)
    static func leadingDigits(_ word: UInt64) -> Int {
        let highs: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        // A byte is a digit when its high nibble is 3 and adding 6 keeps it 3. A carry out of a byte (only from one
        // of 0xFA and above, not a digit) reaches only the bytes after it, which are not counted.
        let nibbles = (word & highs) | (((word &+ 0x0606_0606_0606_0606) & highs) &>> 4)
        let other = nibbles ^ 0x3333_3333_3333_3333
        return other == 0 ? 8 : other.trailingZeroBitCount &>> 3
    }

    /// The value of eight ASCII digits, the first in the lowest byte (bytes of zero count as leading zeros).
    @inline(__always)
    static func eightDigits(_ word: UInt64) -> UInt64 {
        // Shifts bind tighter than products in Swift: the parentheses are needed.
        var value = ((word & 0x0F0F_0F0F_0F0F_0F0F) &* 2561) &>> 8
        value = ((value & 0x00FF_00FF_00FF_00FF) &* 6_553_601) &>> 16
        return ((value & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) &>> 32
    }

    /// 10 to the power `count` (1 to 8).
    @inline(__always)
    static func power(_ count: Int) -> UInt64 {
        switch count {
        case 1: 10
        case 2: 100
        case 3: 1000
        case 4: 10000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        default: 100_000_000
        }
    }
}
