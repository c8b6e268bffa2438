import Causality
import Foundation
import SeededRandom
import Testing
import TraceFormat

// The RPC, span and test-tick events are recorded from typed payloads and written straight to bytes
// (`TraceFieldsPayload`); these tests hold those bytes to the contract: the same line as the event with the
// dictionary `data` of `docs/trace-format.md` spelled out by hand, read back identically by both decoders.

/// Strings that exercise the escaper: plain ids, quotes, back slashes, every control byte, non-ASCII, empty.
private let awkwardStrings: [String] = [
    "", "orchestrator-4242-17", "queue", "POST /checkout", "say \"hi\"", "back\\slash", "slash/ok", "tab\there",
    "line\nbreak", String(decoding: (0..<0x20).map { UInt8($0) } + [0x7F], as: UTF8.self),
    "grüße 日本語 🧾 e\u{301} \u{2028}",
]

private func pick(_ generator: inout SplitMix64) -> String? {
    let index = Int(generator.next() % UInt64(awkwardStrings.count + 1))
    return index == awkwardStrings.count ? nil : awkwardStrings[index]
}

private func pickInteger(_ generator: inout SplitMix64) -> Int64? {
    switch generator.next() % 6 {
    case 0: return nil
    case 1: return 0
    case 2: return Int64.max
    case 3: return Int64.min
    case 4: return -Int64(generator.next() % 1000)
    default: return Int64(truncatingIfNeeded: generator.next() >> 1)
    }
}

/// An event carrying `fields` with a fixed envelope.
private func event(kind: EventKind, fields: TraceEventFields) -> TraceEvent {
    TraceEvent(
        wallTimeNanos: 1_712_345_678_901_234_567, node: "orchestrator", pid: 31337, sequence: 42, kind: kind,
        traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", parentSpanID: nil,
        clock: VectorClock(["orchestrator": 42, "fraud": 7]), fields: fields)
}

/// The old spelling of a field: absent when nil.
private func put(_ data: inout [String: TraceValue], _ key: String, _ value: String?) {
    if let value { data[key] = .string(value) }
}

private func put(_ data: inout [String: TraceValue], _ key: String, _ value: Int64?) {
    if let value { data[key] = .int(value) }
}

/// Checks that the typed event writes the bytes of the hand-spelled dictionary event, and that both decoders read
/// those bytes back to an event equal to it, whose payload decodes as the dictionary's does.
private func expectSameLine<P: TraceFieldsPayload>(
    _ payload: P, spelledOut data: [String: TraceValue], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let typed = event(kind: P.kind, fields: payload.recordedFields)
    let reference = event(kind: P.kind, fields: TraceEventFields(data))
    #expect(typed.fields.isTyped, sourceLocation: sourceLocation)
    #expect(typed.data == data, sourceLocation: sourceLocation)
    let line = TraceEventEncoder.line(typed)
    let expected = TraceEventEncoder.line(reference)
    #expect(
        line == expected, "\(String(decoding: line, as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))",
        sourceLocation: sourceLocation)
    let viaFoundation = try TraceEventDecoder().decode(line.dropLast())
    var fast = FastEventDecoder()
    let viaFast = line.dropLast().withUnsafeBufferPointer { fast.decode($0) }
    #expect(viaFoundation == reference, sourceLocation: sourceLocation)
    #expect(viaFast == reference, sourceLocation: sourceLocation)
    #expect(viaFoundation.payload(P.self) == reference.payload(P.self), sourceLocation: sourceLocation)
}

@Test func typedRPCEventsWriteTheBytesOfTheirDictionaryFields() throws {
    var generator = SplitMix64(seed: 15)
    for _ in 0..<300 {
        let msg = pick(&generator)
        let peer = pick(&generator)
        let method = pick(&generator)
        let status = pick(&generator)
        let error = pick(&generator)
        let duration = pickInteger(&generator)
        let http = pickInteger(&generator).map { Int(truncatingIfNeeded: $0) }
        var request: [String: TraceValue] = [:]
        put(&request, "msg", msg)
        put(&request, "peer", peer)
        put(&request, "method", method)
        try expectSameLine(RPCSend(msg: msg, peer: peer, method: method), spelledOut: request)
        try expectSameLine(RPCReceive(msg: msg, peer: peer, method: method), spelledOut: request)

        var reply = request
        put(&reply, "status", status)
        put(&reply, "http_status", http.map { Int64($0) })
        put(&reply, "duration_ns", duration)
        try expectSameLine(
            RPCReplySend(
                msg: msg, peer: peer, method: method, status: status, httpStatus: http, durationNanos: duration),
            spelledOut: reply)
        try expectSameLine(
            RPCReplyReceive(
                msg: msg, peer: peer, method: method, status: status, httpStatus: http, durationNanos: duration),
            spelledOut: reply)

        var failure = request
        put(&failure, "status", status)
        put(&failure, "error", error)
        put(&failure, "duration_ns", duration)
        try expectSameLine(
            RPCFailure(msg: msg, peer: peer, method: method, status: status, error: error, durationNanos: duration),
            spelledOut: failure)
    }
}

@Test func typedSpanAndTickEventsWriteTheBytesOfTheirDictionaryFields() throws {
    var generator = SplitMix64(seed: 16)
    for _ in 0..<200 {
        let name = pick(&generator) ?? "checkout"
        let status = pick(&generator)
        let error = pick(&generator)
        let duration = pickInteger(&generator)
        try expectSameLine(SpanStart(name: name), spelledOut: ["name": .string(name)])
        var end: [String: TraceValue] = ["name": .string(name)]
        put(&end, "status", status)
        put(&end, "error", error)
        put(&end, "duration_ns", duration)
        try expectSameLine(SpanEnd(name: name, status: status, error: error, durationNanos: duration), spelledOut: end)
        let index = pickInteger(&generator) ?? 1
        try expectSameLine(TestTick(index: index), spelledOut: ["i": .int(index)])
    }
}

@Test func typedEventsLongerThanTheEncodersStackRoomWriteTheirWholeLine() throws {
    // The encoder writes a line into 1 KiB on the stack and again on the heap when it does not fit: lines around
    // and far past that size, with escapes that grow them while they are written, keep every byte.
    for length in [600, 700, 800, 1_000, 1_024, 1_100, 2_048, 9_000, 40_000] {
        for unit in ["x", "\"", "\u{1}", "é"] {
            let error = String(repeating: unit, count: length / unit.utf8.count)
            try expectSameLine(
                RPCFailure(
                    msg: "m-1-2", peer: "fraud", method: "check", status: "unavailable", error: error,
                    durationNanos: 12),
                spelledOut: [
                    "msg": "m-1-2", "peer": "fraud", "method": "check", "status": "unavailable",
                    "error": .string(error), "duration_ns": 12,
                ])
        }
    }
}

@Test func aTypedEventWithoutFieldsLeavesDataOut() {
    let typed = event(kind: .rpcSend, fields: RPCSend(msg: nil, peer: nil, method: nil).recordedFields)
    let text = String(decoding: TraceEventEncoder.line(typed), as: UTF8.self)
    #expect(!text.contains("data"))
    #expect(text == String(decoding: TraceEventEncoder.line(event(kind: .rpcSend, fields: .init([:]))), as: UTF8.self))
}

@Test func theRecorderWritesTypedRPCEventsThatReadBackLikeDictionaryOnes() throws {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("n.jsonl.gz").path
        let recorder = TraceRecorder(node: "n", writer: try TraceFileWriter(path: path), wallClock: { 7 })
        let context = TraceContext.newTrace()
        let send = RPCSend(msg: "n-1-1", peer: "queue", method: "lease")
        let reply = RPCReplyReceive(
            msg: "n-1-1", peer: "queue", method: "lease", status: "ok", httpStatus: 200, durationNanos: 1_500)
        recorder.record(send, context: context)
        recorder.record(reply, context: context, merging: VectorClock(["queue": 3]))
        recorder.record(RPCReceive.kind, context: context, data: send.encoded())
        recorder.close()
        let events = try readTrace(path).events
        #expect(events.count == 3)
        #expect(events.map(\.kind) == [.rpcSend, .rpcReplyReceive, .rpcReceive])
        #expect(events[0].payload(RPCSend.self) == send)
        #expect(events[1].payload(RPCReplyReceive.self) == reply)
        #expect(events[1].clock == VectorClock(["n": 2, "queue": 3]))
        #expect(events[2].data == events[0].data)
    }
}
