import Causality
import Testing
import TraceFormat

@testable import TraceAnalysis

/// The run loader keeps an RPC event's `data` raw (its fields scanned from the bytes, the object decoded only when
/// an explanation reads it). Whatever a line holds, an event read that way must be the event read the usual way,
/// with the same payload or the same payload error.
struct RawRPCDataTests {
    private static func line(kind: String, data: String) -> String {
        "{\"v\":1,\"ts\":1800000000000000001,\"node\":\"orchestrator\",\"pid\":7,\"seq\":3,\"kind\":\"\(kind)\","
            + "\"trace\":\"e220a8397b1dcdaf6e789e6aa1b965f4\",\"vc\":{\"orchestrator\":3,\"queue\":2},\"data\":\(data)}"
    }

    private static let datas = [
        #"{"method":"verify","msg":"orchestrator-4005-1","peer":"verification"}"#,
        #"{"duration_ns":2154487,"http_status":200,"method":"verify","msg":"o-4005-1","peer":"q","status":"ok"}"#,
        #"{"duration_ns":5,"error":"refused","method":"m","msg":"a-1-2","peer":"queue","status":"unavailable"}"#,
        #"{}"#,
        #"{ "msg" : "with\"escape\u00e9" , "peer":"p" }"#,
        #"{"msg":"a","msg":"b","peer":"p"}"#,
        #"{"msg":null,"peer":"p"}"#,
        #"{"msg":"a","peer":"p","extra":1}"#,
        #"{"msg":5,"peer":"p"}"#,
        #"{"msg":"a","http_status":1000,"status":"ok"}"#,
        #"{"msg":"a","http_status":-1,"status":"ok"}"#,
        #"{"msg":"a","http_status":200.0,"status":"ok"}"#,
        #"{"msg":"a","duration_ns":-5,"status":"ok"}"#,
        #"{"msg":"a","duration_ns":92233720368547758070,"status":"ok"}"#,
        #"{"msg":"a","duration_ns":"5","status":"ok"}"#,
        "{\"msg\":\"\(String(repeating: "x", count: 1025))\",\"peer\":\"p\"}",
        "{\"msg\":\"a\",\"status\":\"\(String(repeating: "s", count: 257))\"}",
    ]

    private static let kinds = ["rpc.send", "rpc.receive", "rpc.reply.send", "rpc.reply.receive", "rpc.failure", "log"]

    @Test("an event whose RPC data is kept raw equals the event decoded whole, with the same payload or error")
    func rawDataReadsLikeTheWholeEvent() throws {
        let index = NodeIndex(["orchestrator", "queue"])
        var kept = 0
        for kind in Self.kinds {
            for data in Self.datas {
                let bytes = Array(Self.line(kind: kind, data: data).utf8)
                var whole = FastEventDecoder()
                var raw = FastEventDecoder(keepingRPCDataRaw: true)
                let expected = bytes.withUnsafeBufferPointer { whole.decode($0) }
                let envelope = bytes.withUnsafeBufferPointer { raw.decode($0) }
                #expect((expected == nil) == (envelope == nil), "\(kind) \(data)")
                guard let expected, let envelope else { continue }
                let rawData = raw.lastRPCData
                if rawData != nil {
                    kept += 1
                    #expect(envelope.data.isEmpty)
                }
                var memo = ClockPositions()
                let event = RunEvent.make(
                    envelope, line: 1, index: index, memo: &memo, decodingPayloads: true, rawData: rawData)
                let reference = RunEvent.make(expected, index: index)
                #expect(event.event == expected, "\(kind) \(data)")
                let state = RunState(traced: ["orchestrator", "queue"], index: index)
                let otherState = RunState(traced: ["orchestrator", "queue"], index: index)
                #expect(state.rpc(event) == otherState.rpc(reference), "\(kind) \(data)")
                #expect(
                    state.payloadError(event).map { "\($0)" } == otherState.payloadError(reference).map { "\($0)" },
                    "\(kind) \(data)")
            }
        }
        // The plain shapes (the first five data objects and the bounded ones) of the five RPC kinds are kept raw.
        #expect(kept >= 5 * 5)
    }
}
