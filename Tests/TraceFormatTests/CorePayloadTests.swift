import Testing
import TraceFormat

/// The RPC, span, log and test payloads survive their encoder and decoder, with the format's field names.
struct CorePayloadTests {
    func roundTrip<P: TraceEventPayload>(_ payload: P, keys: Set<String>) throws {
        let data = payload.encoded()
        #expect(Set(data.keys) == keys)
        #expect(try P(data: data) == payload)
    }

    @Test func rpcPayloadsRoundTrip() throws {
        try roundTrip(RPCSend(msg: "a-1-1", peer: "queue", method: "lease"), keys: ["msg", "peer", "method"])
        try roundTrip(RPCReceive(msg: nil, peer: nil, method: "POST /checkout"), keys: ["method"])
        try roundTrip(
            RPCReplySend(msg: "a-1-1", peer: "a", method: "lease", status: "ok", httpStatus: 200, durationNanos: 5),
            keys: ["msg", "peer", "method", "status", "http_status", "duration_ns"])
        try roundTrip(
            RPCReplyReceive(
                msg: nil, peer: "queue", method: "lease", status: "error", httpStatus: 503, durationNanos: 9),
            keys: ["peer", "method", "status", "http_status", "duration_ns"])
        try roundTrip(
            RPCFailure(
                msg: "a-1-2", peer: "queue", method: "ack", status: "deadline_exceeded", error: "timed out",
                durationNanos: 1_000),
            keys: ["msg", "peer", "method", "status", "error", "duration_ns"])
    }

    @Test func spanLogAndTickPayloadsRoundTrip() throws {
        try roundTrip(SpanStart(name: "verify"), keys: ["name"])
        try roundTrip(SpanEnd(name: "verify", status: "ok", durationNanos: 3), keys: ["name", "status", "duration_ns"])
        try roundTrip(
            SpanEnd(name: "verify", status: "error", error: "boom", durationNanos: 3),
            keys: ["name", "status", "error", "duration_ns"])
        try roundTrip(
            LogRecord(level: "info", message: "hello", logger: "queue", attributes: ["k": "v"]),
            keys: ["level", "message", "logger", "attributes"])
        try roundTrip(TestTick(index: 4), keys: ["i"])
    }

    @Test func rpcDecoderRefusesWrongTypedOrOutOfRangeFields() {
        #expect(throws: PayloadError.self) { try RPCSend(data: ["method": .int(3)]) }
        #expect(throws: PayloadError.self) { try RPCReplySend(data: ["method": "m", "http_status": "200"]) }
        #expect(throws: PayloadError.self) { try RPCReplySend(data: ["method": "m", "duration_ns": .int(-5)]) }
        #expect(throws: PayloadError.self) { try RPCReplySend(data: ["method": "m", "http_status": .double(200.5)]) }
        #expect(throws: PayloadError.self) { try LogRecord(data: ["message": "m", "attributes": .object(["k": 1])]) }
    }

    @Test func integralDoublesCountAsIntegers() throws {
        // A JSON writer may spell 200 as 200.0; the value is exact, so it is accepted.
        #expect(try RPCReplySend(data: ["method": "m", "http_status": .double(200)]).httpStatus == 200)
    }
}
