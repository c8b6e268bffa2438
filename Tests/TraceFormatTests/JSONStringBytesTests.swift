import Testing
import TraceModel

@Suite struct JSONStringBytesTests {
    /// Whether a string may hold `byte` unescaped.
    private static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    @Test func escapeStopsFlagsTheFirstByteToEscapeAtEveryPositionAndNothingInAPlainWord() {
        for filler in [UInt8(ascii: "a"), 0x20, 0x7F, 0x80, 0xFF] {
            for byte in UInt8.min...UInt8.max {
                for position in 0..<8 {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[position] = byte
                    let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    let stops = JSONStringBytes.escapeStops(word)
                    if Self.needsEscape(byte) {
                        #expect(stops.trailingZeroBitCount >> 3 == position, "byte \(byte) at \(position)")
                    } else {
                        #expect(stops == 0, "byte \(byte) at \(position) among \(filler)")
                    }
                }
            }
        }
    }
}
