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

    /// A new trace from the system's random source.
    public static func newTrace() -> TraceContext {
        var generator = SystemRandomNumberGenerator()
        return newTrace(using: &generator)
    }

    /// A child span of this one, in the same trace.
    public func child() -> TraceContext {
        var generator = SystemRandomNumberGenerator()
        return TraceContext(
            traceID: traceID, spanID: Self.randomHex(bytes: 8, using: &generator), parentSpanID: spanID)
    }

    /// The `traceparent` header value: `00-<trace>-<span>-01`.
    public var traceparent: String { "00-\(traceID)-\(spanID)-01" }

    /// Parses a `traceparent` header; the parsed span becomes the parent of a new server-side span.
    /// Returns nil for anything malformed (W3C: all-zero ids are invalid too).
    public init?(traceparent: String) {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16,
            parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) }),
            parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
        else { return nil }
        self.init(traceID: parts[1].lowercased(), spanID: parts[2].lowercased())
    }

    static func randomHex<G: RandomNumberGenerator>(bytes: Int, using generator: inout G) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var result = [UInt8]()
        result.reserveCapacity(bytes * 2)
        for _ in 0..<bytes {
            let byte = UInt8.random(in: 0...255, using: &generator)
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0F)])
        }
        if result.allSatisfy({ $0 == UInt8(ascii: "0") }) { result[result.count - 1] = UInt8(ascii: "1") }
        return String(decoding: result, as: UTF8.self)
    }
}
