import Causality
import Foundation
import Testing
import TraceFormat
import TraceTestSupport

@testable import TraceAnalysis

/// The run loader reads events for the checks in compact form (`CompactEvent`: no `TraceEvent`, the line's
/// bytes kept to decode the event when an explanation asks). Whatever a line holds, an event read that way must be
/// the event the whole decode reads: same envelope, clock, kind code, payload, and the same whole event; a line the
/// compact form does not take is left to the whole decode.
struct CompactEventTests {
    private static let index = NodeIndex(["load", "orchestrator", "queue"])

    private static func line(
        kind: String = "rpc.send", node: String = "orchestrator", version: String = "1",
        span: String = #""span":"1412727bb3970d58","#, clock: String = #"{"load":2,"orchestrator":4}"#,
        data: String = #"{"method":"verify","msg":"orchestrator-4005-1","peer":"verification"}"#, extra: String = ""
    ) -> String {
        "{\"v\":\(version),\"ts\":1800000000000000001,\"node\":\"\(node)\",\"pid\":7,\"seq\":3,\"kind\":\"\(kind)\","
            + "\"trace\":\"e220a8397b1dcdaf6e789e6aa1b965f4\",\(span)\"parent\":\"abbc1c6515741580\",\(extra)"
            + "\"vc\":\(clock),\"data\":\(data)}"
    }

    /// RPC lines of every shape the compact form must take or refuse.
    private static let lines: [String] = {
        var lines: [String] = []
        for kind in CompactEvent.kinds.map(\.rawValue) + ["log", "queue.commit", "rpc.other"] {
            lines.append(line(kind: kind))
            lines.append(
                line(
                    kind: kind,
                    data: #"{"duration_ns":2154487,"http_status":200,"method":"verify","msg":"o-1","status":"ok"}"#))
            lines.append(line(kind: kind, data: #"{"duration_ns":5,"error":"refused","msg":"a-1","status":"x"}"#))
        }
        lines += [
            line(
                kind: "queue.commit",
                data: #"{"epoch":"1.3","executor":3,"lease":1,"order":"e220a8397b1dcdaf6e789e6aa1b965f4","#
                    + #""outcome":"committed","term":1}"#),
            line(
                kind: "order.decision",
                data: #"{"fraud_score":0.0276,"order":"e220a8397b1dcdaf6e789e6aa1b965f4","reasons":[],"#
                    + #""status":"approved"}"#),
            line(
                kind: "log",
                data: #"{"attributes":{"items":"1","order_id":"e2"},"level":"info","logger":"o","message":"m"}"#),
            line(kind: "log", data: #"{"message":"with \"escape\" \u00e9","level":null}"#),
            line(kind: "queue.lease", data: #"{"lease":-1,"order":5}"#), line(kind: "span.start", data: #"{}"#),
            line(
                kind: "queue.lease",
                data: #"{"delivery":1,"depth":0,"epoch":"1.3","executor":3,"expires_in_ms":2000,"lease":1,"#
                    + #""order":"e220a8397b1dcdaf6e789e6aa1b965f4","renewed":false,"term":1}"#),
            line(kind: "queue.lease", data: #"{"order":"a","lease":007,"order":"b","executor":-0,"slot":1.0}"#),
            line(kind: "queue.lease", data: #"{"order":"a","lease":12345678901234567890,"depth":123456789012345678}"#),
            line(kind: "queue.enqueue", data: #"{"order":"a","depth":1e2,"duplicate":null,"priority":{"x":[1]}}"#),
            line(kind: "queue.commit", data: #"{"order":"a","order":null}"#),
            line(kind: "queue.commit", data: #"{"order":"a","epoch":"7"}"#),
            line(kind: "span.end", data: #"{"name":"n","duration_ns":-5}"#),
            line(kind: "log", data: #"{"message":"m","attributes":{"a":1}}"#),
            line(data: #"{"msg":"a","peer":"p","status":"unavailable"}"#),
            line(kind: "rpc.failure", data: #"{"msg":"a","peer":"p","status":"unavailable"}"#),
            line(kind: "rpc.reply.receive", data: #"{"msg":"a","peer":"p","status":"unavailable"}"#),
            // Status and method bounds by decoded UTF-8 length (256 bytes for status), and `unavailable` exactly.
            line(kind: "rpc.reply.receive", data: "{\"status\":\"\(String(repeating: "x", count: 256))\"}"),
            line(kind: "rpc.reply.receive", data: "{\"status\":\"\(String(repeating: "x", count: 257))\"}"),
            line(kind: "rpc.reply.send", data: "{\"status\":\"\(String(repeating: "é", count: 128))\"}"),
            line(kind: "rpc.reply.send", data: "{\"status\":\"\(String(repeating: "é", count: 129))\"}"),
            line(kind: "rpc.failure", data: #"{"error":"é","method":"vérify","msg":"a","status":"unavailable\u0301"}"#),
            line(kind: "rpc.failure", data: "{\"msg\":\"a\",\"status\":\"unavailable\u{301}\"}"),
            line(kind: "rpc.reply.send", data: #"{"msg":"a","status":"Unavailable"}"#),
            // Ids not ASCII, longer than 32 bytes, or escaped (read whole or in another layout).
            line(data: "{\"msg\":\"caf\u{E9}-1\",\"peer\":\"que\u{301}ue\"}"),
            line(data: "{\"msg\":\"\(String(repeating: "m", count: 40))\",\"peer\":\"queue\"}"),
            line(kind: "rpc.receive", data: #"{"msg":"a\u0062","peer":"qu\u0065ue"}"#),
            line(kind: "rpc.receive", data: #"{"peer":"queue","msg":"ab"}"#),
            line(span: ""), line(span: #""span":null,"#), line(span: #""span":"with\"escape","#),
            line(span: #""span":5,"#), line(node: "queue"), line(node: "orch\\u0065strator"), line(version: "2"),
            line(version: "1.0"), line(clock: #"{"load":2,"orchestrator":4,"outsider":1}"#),
            line(clock: #"{"load":0,"orchestrator":4}"#), line(clock: #"{}"#), line(clock: #"{"orchestrator":-1}"#),
            line(data: #"{}"#), line(data: #"{"msg":"a","msg":"b"}"#), line(data: #"{"peer":"p","msg":"a"}"#),
            line(data: #"{"http_status":200,"duration_ns":5}"#), line(data: #"{"duration_ns":-5,"msg":"a"}"#),
            line(data: #"{"msg":"a",}"#), line(data: #"{"msg":"a\tb"}"#), line(data: #"{"http_status":2e2}"#),
            line(data: #"{"msg":"a","extra":1}"#),
            line(data: #"{"msg":"a","http_status":1000,"status":"ok"}"#),
            line(data: #"{"msg":"a","duration_ns":-5,"status":"ok"}"#),
            line(data: "{\"msg\":\"\(String(repeating: "x", count: 1025))\"}"), line(data: #"[1]"#),
            line(extra: #""other":{"a":[1,2.5]},"#), line(extra: #""kind":"rpc.send","#),
            line(extra: #""data":{},"#), line(extra: #""ts":5,"#),
            #"{"v":1,"ts":1,"node":"orchestrator","pid":7,"seq":3,"kind":"rpc.send","vc":{"orchestrator":1}}"#,
            #"{"v":1,"ts":1,"node":"orchestrator","pid":7,"seq":3,"kind":"rpc.send","vc":{"orchestrator":1},"#
                + #""data":{}} x"#,
            #" { "v" : 1 , "ts" : 1 , "node" : "orchestrator" , "pid" : 7 , "seq" : 3 , "kind" : "rpc.receive" , "#
                + #""vc" : { "orchestrator" : 1 } , "data" : { "msg" : "m" } } "#,
            #"{"v":1,"ts":1,"node":"orchestrator","pid":4294967296,"seq":3,"kind":"rpc.send","vc":{"orchestrator":1},"#
                + #""data":{}}"#,
            #"{"v":1,"ts":1,"node":"orchestrator","pid":7,"seq":-3,"kind":"rpc.send","vc":{"orchestrator":1},"#
                + #""data":{}}"#,
        ]
        return lines
    }()

    @Test("an event read in compact form equals the event decoded whole, with the same payload or payload error")
    func compactEventsReadLikeWholeEvents() throws {
        var compactCount = 0
        for text in Self.lines {
            let bytes = Array(text.utf8)
            var compactDecoder = FastEventDecoder(keepingRPCDataRaw: true)
            compactDecoder.decodingDenseClocks(nodes: Self.index.positions, count: Self.index.names.count)
            let node = Array("orchestrator".utf8)
            let compact = bytes.withUnsafeBufferPointer { line in
                node.withUnsafeBufferPointer { compactDecoder.decodeCompact(line, node: $0) }
            }
            var whole = FastEventDecoder()
            let expected = bytes.withUnsafeBufferPointer { whole.decode($0) }
            guard let compact else { continue }
            // A compact line is one the whole decoder takes, of the file's node, in version 1.
            let decoded = try #require(expected, "\(text)")
            #expect(decoded.node == "orchestrator" && decoded.version == 1, "\(text)")
            let made = bytes.withUnsafeBufferPointer {
                RunEvent.make(compact: compact, line: 4, bytes: $0, member: nil, node: 1, index: Self.index)
            }
            guard let event = made else { continue }
            compactCount += 1
            let reference = RunEvent.make(decoded, line: 4, index: Self.index)
            #expect(event.event == reference.event, "\(text)")
            #expect(event.envelope.node == decoded.node && event.envelope.pid == decoded.pid, "\(text)")
            #expect(event.envelope.sequence == decoded.sequence, "\(text)")
            #expect(event.envelope.kind == decoded.kind && event.spanID == decoded.spanID, "\(text)")
            #expect(event.envelope.wallTimeNanos == decoded.wallTimeNanos, "\(text)")
            #expect(event.envelope.clock == reference.envelope.clock || !event.external, "\(text)")
            #expect(event.dense == reference.dense && event.clockSum == reference.clockSum, "\(text)")
            #expect(event.external == reference.external && event.node == reference.node, "\(text)")
            #expect(event.kindCode == reference.kindCode, "\(text)")
            let state = RunState(traced: ["orchestrator", "queue"], index: Self.index)
            let otherState = RunState(traced: ["orchestrator", "queue"], index: Self.index)
            #expect(state.rpc(event) == otherState.rpc(reference), "\(text)")
            #expect(state.protocolEvent(event) == otherState.protocolEvent(reference), "\(text)")
            #expect(
                state.payloadError(event).map { "\($0)" } == otherState.payloadError(reference).map { "\($0)" },
                "\(text)")
            let keys = state.rpcMessage(event)
            let referenceKeys = otherState.rpcMessage(reference)
            #expect((keys == nil) == (referenceKeys == nil), "\(text)")
            if let keys, let referenceKeys {
                #expect(keys.msg == referenceKeys.msg && keys.peer == referenceKeys.peer, "\(text)")
                #expect(keys.msgHash == referenceKeys.msgHash && keys.peerHash == referenceKeys.peerHash, "\(text)")
                #expect(keys.unavailable == referenceKeys.unavailable, "\(text)")
                // The ids the checks key on, read from the line, are the ids decoded whole.
                #expect(keys.hasMsg == referenceKeys.hasMsg && keys.hasPeer == referenceKeys.hasPeer, "\(text)")
                if keys.hasMsg { #expect(keys.msgID == referenceKeys.msgID, "\(text)") }
                if keys.hasPeer {
                    var numbers = NodeNumbers(Self.index)
                    var referenceNumbers = NodeNumbers(Self.index)
                    #expect(keys.peerNumber(&numbers) == referenceKeys.peerNumber(&referenceNumbers), "\(text)")
                }
            }
            #expect(event.hasSpan == reference.hasSpan && event.spanHash == reference.spanHash, "\(text)")
            if event.hasSpan { #expect(event.spanKey == reference.spanKey, "\(text)") }
        }
        // The plain shapes are taken: 3 data shapes × 8 kinds, the protocol and log events, and the RPC variants
        // with no span, a null span, an outside node in the clock, an empty data object and spaces.
        #expect(compactCount >= 24 + 6 + 5)
    }

    @Test("check reads a run the same with RPC events in compact form as decoded whole")
    func checkReportIsTheSameInCompactForm() throws {
        let directory = NSTemporaryDirectory() + "compact-rpc-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SyntheticRun.write(events: 3_000, to: directory)
        let loader = try RunLoader(directory: directory)
        var compactEvents: [RunEvent] = []
        var wholeEvents: [RunEvent] = []
        let compactHealth = loader.stream(compact: true) { event in
            compactEvents.append(event)
            return true
        }
        let wholeHealth = loader.stream { event in
            wholeEvents.append(event)
            return true
        }
        #expect(compactEvents.count == wholeEvents.count)
        #expect(compactHealth.map(\.events) == wholeHealth.map(\.events))
        for (compact, whole) in zip(compactEvents, wholeEvents) {
            #expect(compact.event == whole.event)
            #expect(compact.line == whole.line && compact.dense == whole.dense && compact.kindCode == whole.kindCode)
        }
        let report = RunAnalysis.check(loader: loader)
        let engine = CheckEngine(traced: loader.nodes, index: loader.index)
        let health = loader.stream { event in
            engine.observe(event)
            return true
        }
        #expect(report.text() == engine.finish(health: health).text())
    }
}
