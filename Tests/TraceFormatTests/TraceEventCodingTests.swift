import Causality
import Foundation
import Testing
import TraceFormat

private let richEvent = TraceEvent(
    wallTimeNanos: 1_712_345_678_901_234_567, node: "orchestrator", pid: 31337, sequence: 42,
    kind: .rpcReplyReceive, traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7",
    parentSpanID: "b7ad6b7169203331", clock: VectorClock(["orchestrator": 42, "fraud": 7, "stock": 1]),
    data: [
        "msg": "orchestrator-17",
        "status": 200,
        "ok": true,
        "nothing": .null,
        "ratio": .double(0.125),
        "tiny": .double(-1.25e-7),
        "huge": .double(1e300),
        "extremes": .array([.int(Int64.max), .int(Int64.min), .int(0)]),
        "nested": .object([
            "list": .array(["a", 1, false, .null, .array([]), .object([:]), .object(["deep": .array(["x"])])]),
            "quote\"key": "back\\slash",
        ]),
        "escapes": .string("line1\nline2\r\ttab \"quoted\" back\\slash /slash"),
        "unicode": .string("grüße, 日本語, emoji 🧾📚, combining e\u{301}, rtl עברית, \u{2028}sep"),
        "controls": .string(String(decoding: (0..<0x20).map { UInt8($0) } + [0x7F], as: UTF8.self)),
        "ключ": "значение",
        "": "empty key",
    ])

@Test func encodedLineDecodesBackToTheSameEvent() throws {
    let line = TraceEventEncoder.line(richEvent)
    let decoded = try TraceEventDecoder().decode(line.dropLast())
    #expect(decoded == richEvent)
    // The decoder accepts the line with its newline too (JSON allows trailing whitespace).
    #expect(try TraceEventDecoder().decode(line) == richEvent)
}

@Test func everyControlCharacterSurvivesTheRoundTrip() throws {
    for byte in UInt8(0)..<0x20 {
        let text = "a" + String(UnicodeScalar(byte)) + "b"
        var event = sampleEvent(1)
        event.node = "node" + text
        event.data = ["value": .string(text), text: "key"]
        let line = TraceEventEncoder.line(event)
        #expect(line.filter { $0 < 0x20 } == [0x0A], "raw control byte \(byte) leaked into the line")
        #expect(try TraceEventDecoder().decode(line.dropLast()) == event, "control byte \(byte)")
    }
}

@Test func everyByteThatNeedsEscapingIsFoundAtEveryPositionOfStringsOfEveryWordShape() throws {
    // The encoder copies eight bytes at a time, checking each word as it copies it, and ends with the last eight
    // bytes (overlapping) or, below eight, byte by byte: each such byte at each position of strings shorter than a
    // word, of one word, of a word and a tail, of whole words, next to plain ASCII and to multi-byte UTF-8, must
    // still be escaped.
    let specials: [UInt8] = Array(0..<0x20) + [0x22, 0x5C]
    for (filler, length) in [("abcdefghijklmnopqrstuvwx", [1, 7, 8, 9, 16, 17, 21, 24]), ("éééééééééééé", [2, 21])]
        .flatMap({ filler, lengths in lengths.map { (filler, $0) } })
    {
        let plain = Array(filler.utf8).prefix(length)
        for position in 0..<plain.count {
            for special in specials {
                var bytes = Array(plain)
                bytes[position] = special
                let text = String(decoding: bytes, as: UTF8.self)
                var event = sampleEvent(1)
                event.traceID = text
                event.data = ["s": .string(text)]
                let line = TraceEventEncoder.line(event)
                #expect(line.filter { $0 < 0x20 } == [0x0A], "byte \(special) at \(position) leaked")
                #expect(try TraceEventDecoder().decode(line.dropLast()) == event, "byte \(special) at \(position)")
            }
        }
        var event = sampleEvent(1)
        event.data = ["s": .string(String(filler))]
        #expect(try TraceEventDecoder().decode(TraceEventEncoder.line(event).dropLast()) == event)
    }
}

@Test func integersAreWrittenWithEveryDigitAroundEveryPowerOfTen() throws {
    // Digits are counted from the bit length and written two at a time: each side of each power of ten, and the
    // ends of both integer types, must read back as the same number, spelled as Swift spells it.
    var values: [UInt64] = [0, 1, 9, UInt64(Int64.max), UInt64.max]
    var power: UInt64 = 10
    for _ in 1...19 {
        values += [power - 1, power, power + 1]
        if power <= UInt64.max / 10 { power *= 10 }
    }
    for value in values {
        var event = sampleEvent(1)
        event.sequence = value
        let signed = Int64(truncatingIfNeeded: value)
        event.wallTimeNanos = signed
        event.data = ["n": .int(signed), "m": .int(signed == .min ? .max : -signed)]
        let line = TraceEventEncoder.line(event)
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.contains("\"seq\":\(value),"), "\(value)")
        #expect(text.contains("\"ts\":\(signed),"), "\(signed)")
        #expect(try TraceEventDecoder().decode(line.dropLast()) == event, "\(value)")
    }
}

@Test func encodedLineIsOneLineWithAFixedKeyOrder() {
    let event = TraceEvent(
        wallTimeNanos: 123, node: "n", pid: 7, sequence: 3, kind: EventKind("k"),
        traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", parentSpanID: "b7ad6b7169203331",
        clock: VectorClock(["z": 1, "n": 3, "a": 2]),
        data: ["b": 2, "a": .array([1, "x\ny"]), "c": .object(["y": true, "x": .null])])
    let text = String(decoding: TraceEventEncoder.line(event), as: UTF8.self)
    #expect(
        text
            == #"{"v":1,"ts":123,"node":"n","pid":7,"seq":3,"kind":"k","trace":"4bf92f3577b34da6a3ce929d0e0e4736","span":"00f067aa0ba902b7","parent":"b7ad6b7169203331","vc":{"a":2,"n":3,"z":1},"data":{"a":[1,"x\ny"],"b":2,"c":{"x":null,"y":true}}}"#
            + "\n")
    #expect(text.filter { $0 == "\n" }.count == 1)
    #expect(text.hasSuffix("\n"))
}

@Test func optionalFieldsAndEmptyDataAreLeftOut() throws {
    let event = TraceEvent(wallTimeNanos: -5, node: "n", pid: 1, sequence: 1, kind: .log, clock: VectorClock())
    let text = String(decoding: TraceEventEncoder.line(event), as: UTF8.self)
    #expect(text == #"{"v":1,"ts":-5,"node":"n","pid":1,"seq":1,"kind":"log","vc":{}}"# + "\n")
    #expect(try TraceEventDecoder().decode(Array(text.utf8).dropLast()) == event)
}

@Test func encodingIsDeterministicAndMatchesFoundationsDecoding() throws {
    let first = TraceEventEncoder.line(richEvent)
    #expect(first == TraceEventEncoder.line(richEvent))
    // Codable conformance (used by other tools) agrees with the hand-written encoder.
    let viaCodable = try JSONDecoder().decode(TraceEvent.self, from: JSONEncoder().encode(richEvent))
    #expect(viaCodable == richEvent)
    let appended = { () -> [UInt8] in
        var buffer: [UInt8] = Array("prefix".utf8)
        TraceEventEncoder.appendLine(richEvent, to: &buffer)
        return buffer
    }()
    #expect(appended == Array("prefix".utf8) + first)
}

@Test func linesLongerThanTheEncodersStackRoomAreAppendedWhole() throws {
    for length in [700, 1_000, 1_024, 2_048, 5_000, 100_000] {
        var event = sampleEvent(1)
        event.clock = VectorClock(["node \"\(length)\"": 3, "n": 1])
        event.data = ["long": .string(String(repeating: "\\", count: length)), "n": .array([1, 2])]
        var buffer: [UInt8] = Array("prefix".utf8)
        TraceEventEncoder.appendLine(event, to: &buffer)
        #expect(buffer.starts(with: Array("prefix".utf8)))
        let line = buffer.dropFirst(6)
        #expect(line.filter { $0 == 0x0A }.count == 1 && line.last == 0x0A)
        #expect(try TraceEventDecoder().decode(line.dropLast()) == event, "length \(length)")
    }
}

@Test func integralDoublesReadBackWithTheSameIntValue() throws {
    var event = sampleEvent(1)
    event.data = ["d": .double(2.0), "n": .double(-.infinity)]
    let decoded = try TraceEventDecoder().decode(TraceEventEncoder.line(event).dropLast())
    #expect(decoded.data["d"]?.intValue == 2)
    // Non-finite doubles are not JSON: they are written as null.
    #expect(decoded.data["n"] == .null)
}

@Test func decoderRejectsLinesMissingRequiredFields() {
    let decoder = TraceEventDecoder()
    let valid = String(decoding: TraceEventEncoder.line(sampleEvent(1)).dropLast(), as: UTF8.self)
    #expect(throws: DecodingError.self) { try decoder.decode(Array("{not json".utf8)) }
    #expect(throws: DecodingError.self) {
        try decoder.decode(Array(valid.replacingOccurrences(of: #""node""#, with: #""nope""#).utf8))
    }
    #expect(throws: DecodingError.self) {
        try decoder.decode(Array(valid.replacingOccurrences(of: #""seq":1"#, with: #""seq":-1"#).utf8))
    }
    #expect(throws: DecodingError.self) {
        try decoder.decode(Array(valid.replacingOccurrences(of: #""vc":{"#, with: #""vc":{"x":"1","#).utf8))
    }
    #expect(throws: DecodingError.self) { try decoder.decode(Array("[]".utf8)) }
    #expect(throws: Never.self) { try decoder.decode(Array(valid.utf8)) }
}
