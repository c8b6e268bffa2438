import SeededRandom
import Testing
import TraceFormat

private let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
private let spanID = "00f067aa0ba902b7"

@Test func traceparentHasTheW3CFormat() {
    let context = TraceContext(traceID: traceID, spanID: spanID, parentSpanID: "b7ad6b7169203331")
    #expect(context.traceparent == "00-\(traceID)-\(spanID)-01")
}

@Test func validTraceparentParses() throws {
    let parsed = try #require(TraceContext(traceparent: "00-\(traceID)-\(spanID)-01"))
    #expect(parsed.traceID == traceID)
    #expect(parsed.spanID == spanID)
    #expect(parsed.parentSpanID == nil)
    let sampledOff = try #require(TraceContext(traceparent: "00-\(traceID)-\(spanID)-00"))
    #expect(sampledOff.spanID == spanID)
}

@Test func futureVersionsMayCarryMoreFields() throws {
    let parsed = try #require(TraceContext(traceparent: "01-\(traceID)-\(spanID)-01-ab"))
    #expect(parsed.traceID == traceID)
}

@Test func uppercaseHexIsAcceptedAndLowercased() throws {
    let parsed = try #require(TraceContext(traceparent: "00-\(traceID.uppercased())-\(spanID.uppercased())-01"))
    #expect(parsed.traceID == traceID)
    #expect(parsed.spanID == spanID)
}

@Test func formatThenParseRoundTrips() throws {
    var generator = SplitMix64(seed: 7)
    for _ in 0..<200 {
        let context = TraceContext.newTrace(using: &generator)
        let parsed = try #require(TraceContext(traceparent: context.traceparent))
        #expect(parsed.traceID == context.traceID)
        #expect(parsed.spanID == context.spanID)
    }
}

@Test(arguments: [
    "",
    "00",
    "00-\(traceID)-\(spanID)",  // no flags
    "00-\(traceID.dropLast())-\(spanID)-01",  // trace id 31 digits
    "00-\(traceID)0-\(spanID)-01",  // trace id 33 digits
    "00-\(traceID)-\(spanID.dropLast())-01",  // span id 15 digits
    "00-\(traceID)-\(spanID)0-01",  // span id 17 digits
    "0-\(traceID)-\(spanID)-01",  // version 1 digit
    "000-\(traceID)-\(spanID)-01",  // version 3 digits
    "00-\(traceID)-\(spanID)-1",  // flags 1 digit
    "00-\(traceID)-\(spanID)-001",  // flags 3 digits
    "00-\(traceID)-\(spanID)-",  // empty flags
    "00-\(traceID)-\(spanID)-01-extra",  // version 00 has exactly four fields
    "00-\(traceID.dropLast())g-\(spanID)-01",  // non-hex in trace id
    "00-\(traceID)-\(spanID.dropLast())z-01",  // non-hex in span id
    "0x-\(traceID)-\(spanID)-01",  // non-hex version
    "ff-\(traceID)-\(spanID)-01",  // version ff is forbidden
    "00-\(traceID)-\(spanID)-0g",  // non-hex flags
    "00-\(traceID.dropLast(2)) 1-\(spanID)-01",  // space
    "00-\(String(repeating: "\u{FF10}", count: 32))-\(spanID)-01",  // fullwidth digits are not hex
    "00-\(traceID)-\(String(repeating: "\u{FF41}", count: 16))-01",  // fullwidth letters are not hex
    "00-\(String(repeating: "0", count: 32))-\(spanID)-01",  // all-zero trace id
    "00-\(traceID)-\(String(repeating: "0", count: 16))-01",  // all-zero span id
    "00_\(traceID)_\(spanID)_01",
])
func malformedTraceparentIsRejected(_ header: String) {
    #expect(TraceContext(traceparent: header) == nil, "accepted \(header.debugDescription)")
}

@Test func newTracesHaveLowercaseHexIdsOfTheRightLength() {
    var generator = SplitMix64(seed: 99)
    var seen = Set<String>()
    for _ in 0..<100 {
        let context = TraceContext.newTrace(using: &generator)
        #expect(context.traceID.count == 32)
        #expect(context.spanID.count == 16)
        #expect(context.parentSpanID == nil)
        #expect((context.traceID + context.spanID).allSatisfy { "0123456789abcdef".contains($0) })
        seen.insert(context.traceID)
    }
    #expect(seen.count == 100)
    var again = SplitMix64(seed: 99)
    var repeated = SplitMix64(seed: 99)
    #expect(TraceContext.newTrace(using: &again) == TraceContext.newTrace(using: &repeated))
}

@Test func newTraceIdsSpellTheGeneratorsBytesInOrder() {
    // Each word of the generator, least significant byte first, each byte as two lowercase hex digits: the ids are
    // made eight bytes at a time, and must read as the byte-by-byte spelling does.
    func spelled(_ words: [UInt64]) -> String {
        words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
            .map { byte in String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16) }.joined()
    }
    var generator = SplitMix64(seed: 2_026)
    var words = SplitMix64(seed: 2_026)
    for _ in 0..<500 {
        let context = TraceContext.newTrace(using: &generator)
        #expect(context.traceID == spelled([words.next(), words.next()]))
        #expect(context.spanID == spelled([words.next()]))
    }
}

/// A generator whose every output is zero, to hit the all-zero id guard.
private struct ZeroGenerator: RandomNumberGenerator {
    mutating func next() -> UInt64 { 0 }
}

@Test func newTraceNeverProducesAllZeroIds() throws {
    var zero = ZeroGenerator()
    let context = TraceContext.newTrace(using: &zero)
    #expect(context.traceID.contains { $0 != "0" })
    #expect(context.spanID.contains { $0 != "0" })
    #expect(TraceContext(traceparent: context.traceparent) != nil)
}

@Test func childKeepsTheTraceAndPointsAtItsParent() {
    let root = TraceContext.newTrace()
    let child = root.child()
    #expect(child.traceID == root.traceID)
    #expect(child.parentSpanID == root.spanID)
    #expect(child.spanID != root.spanID)
    #expect(child.spanID.count == 16)
    let grandchild = child.child()
    #expect(grandchild.parentSpanID == child.spanID)
    #expect(grandchild.traceID == root.traceID)
}
