/// W3C Trace Context identifiers carried by every request (`traceparent`).
public struct TraceContext: Sendable, Hashable {
    /// 32 lowercase hex digits; for checkouts, the order id.
    public var traceID: String
    /// 16 lowercase hex digits: the current span.
    public var spanID: String
    /// The span this one was started from, if any.
    public var parentSpanID: String?

    public init(traceID: String, spanID: String, parentSpanID: String? = nil) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
    }

    /// A new trace with a random trace id and root span.
    public static func newTrace<G: RandomNumberGenerator>(using generator: inout G) -> TraceContext {
        TraceContext(traceID: randomHex(bytes: 16, using: &generator), spanID: randomHex(bytes: 8, using: &generator))
    }

    /// A new trace from the process-wide id source (seeded once from the system's random source).
    public static func newTrace() -> TraceContext {
        var generator = IDSource()
        return newTrace(using: &generator)
    }

    /// A child span of this one, in the same trace.
    public func child() -> TraceContext {
        var generator = IDSource()
        return TraceContext(
            traceID: traceID, spanID: Self.randomHex(bytes: 8, using: &generator), parentSpanID: spanID)
    }

    /// The longest `traceparent` accepted: version 00 is 55 bytes; later versions may append fields.
    public static let maxTraceparentBytes = 256

    /// The `traceparent` header value: `00-<trace>-<span>-01`.
    /// Written byte by byte into one buffer (string interpolation grew the string piece by piece): every reply and
    /// every call carries one.
    public var traceparent: String {
        var trace = traceID
        var span = spanID
        return trace.withUTF8 { trace in
            span.withUTF8 { span in
                let count = trace.count + span.count + 7  // "00-", "-", "-01"
                return String(unsafeUninitializedCapacity: count) { text in
                    text[0] = UInt8(ascii: "0")
                    text[1] = UInt8(ascii: "0")
                    text[2] = UInt8(ascii: "-")
                    var index = 3
                    for byte in trace {
                        text[index] = byte
                        index += 1
                    }
                    text[index] = UInt8(ascii: "-")
                    index += 1
                    for byte in span {
                        text[index] = byte
                        index += 1
                    }
                    text[index] = UInt8(ascii: "-")
                    text[index + 1] = UInt8(ascii: "0")
                    text[index + 2] = UInt8(ascii: "1")
                    return count
                }
            }
        }
    }

    /// Parses a `traceparent` header; the parsed span becomes the parent of a new server-side span.
    /// Returns nil for anything malformed (W3C: all-zero ids are invalid too) or longer than
    /// `maxTraceparentBytes`.
    public init?(traceparent: String) {
        guard traceparent.utf8.count <= Self.maxTraceparentBytes else { return nil }
        // Byte-level: this runs for every request a server receives.
        var text = traceparent
        let parsed: (String, String)? = text.withUTF8 { bytes in
            // version "-" trace(32) "-" span(16) "-" flags(2), then more fields only for versions after 00.
            guard bytes.count >= 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D else { return nil }
            func isHex(_ range: Range<Int>) -> Bool {
                range.allSatisfy { index in
                    let byte = bytes[index]
                    return (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
                }
            }
            func isZero(_ range: Range<Int>) -> Bool { range.allSatisfy { bytes[$0] == 0x30 } }
            let version = (bytes[0], bytes[1])
            guard isHex(0..<2), isHex(3..<35), isHex(36..<52), isHex(53..<55) else { return nil }
            guard !(version.0 | 0x20 == 0x66 && version.1 | 0x20 == 0x66) else { return nil }  // "ff" is invalid
            if version == (0x30, 0x30) {
                guard bytes.count == 55 else { return nil }
            } else if bytes.count > 55 {
                guard bytes[55] == 0x2D else { return nil }
            }
            guard !isZero(3..<35), !isZero(36..<52) else { return nil }
            let trace = Self.lowercasedHex(UnsafeBufferPointer(rebasing: bytes[3..<35]))
            let span = Self.lowercasedHex(UnsafeBufferPointer(rebasing: bytes[36..<52]))
            return (trace, span)
        }
        guard let parsed else { return nil }
        self.init(traceID: parsed.0, spanID: parsed.1)
    }

    /// `bytes` random bytes as lowercase hex, each word of the generator least significant byte first (an id that
    /// would be all zero ends in `1` instead). Eight bytes per word at once: this runs for every span (each call and
    /// each request served), and a byte at a time was most of its cost.
    static func randomHex<G: RandomNumberGenerator>(bytes: Int, using generator: inout G) -> String {
        let count = max(0, bytes) * 2
        guard count > 0 else { return "" }
        return String(unsafeUninitializedCapacity: count) { text in
            var index = 0
            var allZero = true
            while index < count {
                let used = min(16, count - index)  // digits of this word that are used
                var word = generator.next()
                if used < 16 { word &= (1 << UInt64(4 * used)) - 1 }
                if word != 0 { allZero = false }
                var digits = (
                    hexDigits(UInt32(truncatingIfNeeded: word)), hexDigits(UInt32(truncatingIfNeeded: word >> 32))
                )
                withUnsafeBytes(of: &digits) { digits in
                    UnsafeMutableRawPointer(text.baseAddress! + index).copyMemory(
                        from: digits.baseAddress!, byteCount: used)
                }
                index += used
            }
            if allZero { text[count - 1] = UInt8(ascii: "1") }
            return count
        }
    }

    /// The eight lowercase hex digits of `value`'s bytes, least significant byte first and each byte's high nibble
    /// first, as eight bytes in memory order.
    @inline(__always)
    static func hexDigits(_ value: UInt32) -> UInt64 {
        var spread = UInt64(value)
        spread = (spread | (spread << 16)) & 0x0000_FFFF_0000_FFFF
        spread = (spread | (spread << 8)) & 0x00FF_00FF_00FF_00FF  // byte k of `value` in byte 2k
        let nibbles = ((spread >> 4) & 0x000F_000F_000F_000F) | ((spread & 0x000F_000F_000F_000F) << 8)
        let letters = ((nibbles &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101  // 1 where a nibble ≥ 10
        return (nibbles &+ 0x3030_3030_3030_3030 &+ letters &* 39).littleEndian  // "0"… or "a"…
    }

    /// `bytes` as a string, ASCII upper case letters lowered (hex digits only reach here).
    static func lowercasedHex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.contains(where: { (0x41...0x46).contains($0) }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, bytes.count)) { lowered in
            for (index, byte) in bytes.enumerated() {
                lowered[index] = (0x41...0x46).contains(byte) ? byte | 0x20 : byte
            }
            return String(decoding: UnsafeBufferPointer(rebasing: lowered[0..<bytes.count]), as: UTF8.self)
        }
    }
}
