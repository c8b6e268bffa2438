/// Word-at-a-time tests on the bytes of a JSON string, shared by the trace writer (`TraceLineBytes`) and the reader
/// (`JSONScanner` in TraceFormat): the bytes a string cannot hold unescaped are `"`, `\` and those below 0x20.
public enum JSONStringBytes {
    /// Zero when none of the eight bytes of `word` (little-endian) is `"`, `\` or below 0x20; otherwise the high bit
    /// of the first such byte is the lowest bit set (bits above it may also flag bytes at or above 0x80 next to one of
    /// them). The classic "has a byte equal to n / less than n" word tricks.
    @inlinable @inline(__always)
    public static func escapeStops(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        // A zero byte in `x` sets its high bit in `(x - ones) & ~x & highs`; so does a byte below 0x20 in `word`.
        let found =
            ((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes) | ((word &- ones &* 0x20) & ~word)
        return found & highs
    }
}
