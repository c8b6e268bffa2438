extension JSONReader {
    /// Reads a non-negative integer written without sign, fraction or exponent that fits in `UInt64` (anything
    /// else is `.unsupported`: the reference decoder decides).
    public mutating func readUInt64() throws(WireDecodingError) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        while let byte = peek(), byte &- UInt8(ascii: "0") < 10 {
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowPlus) = times.addingReportingOverflow(UInt64(byte &- UInt8(ascii: "0")))
            guard !overflowTimes, !overflowPlus else { throw .unsupported }
            value = next
            position += 1
        }
        try checkIntegerEnd(digitsFrom: start)
        return value
    }
}

extension JSONWriter {
    /// An unsigned integer member, omitted when nil.
    public mutating func field(_ name: StaticString, unsigned value: UInt64?) {
        guard let value else { return }
        key(name)
        uint(value)
    }
}
