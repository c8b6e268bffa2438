import Foundation
import Testing
import TraceExport
import TraceFormat

@Suite struct PerfettoExportTests {
    private func events(_ text: String) throws -> [TraceValue] {
        try parseJSON(text)["traceEvents"]?.arrayValue ?? []
    }

    @Test func sampleRunExportIsValidForPerfetto() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let (text, _) = try export(directory, .perfetto)
            #expect(PerfettoValidator.problems(text) == [])
            let events = try events(text)
            #expect(events.filter { $0["ph"] == "s" }.count == 3)  // score, enqueue, lease; verify never arrived
            // 5 slices on the orchestrator, 1 on fraud, 2 on the queue, 1 on the executor
            #expect(events.filter { $0["ph"] == "X" }.count == 9)
        }
    }

    @Test func nodesGetStableSmallPidsNamedByMetadata() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let events = try events(try export(directory, .perfetto).text)
            let names = events.filter { $0["name"] == "process_name" }
                .map { ($0["pid"]!, $0["args"]!["name"]!.stringValue!) }
            #expect(names.map(\.0) == [1, 2, 3, 4])
            #expect(names.map(\.1) == SampleRun.nodes)
        }
    }

    @Test func queueDepthIsACounterAndLeadershipAGlobalInstant() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let events = try events(try export(directory, .perfetto).text)
            let depths = events.filter { $0["ph"] == "C" }.map { $0["args"]?["depth"] }
            #expect(depths == [.int(1), .int(0)])
            let leader = try #require(events.first { $0["ph"] == "i" && $0["s"] == "g" })
            #expect(leader["name"] == "executor-1 becomes leader")
            #expect(events.contains { $0["ph"] == "i" && $0["s"] == "p" && $0["name"] == "election.start" })
            #expect(events.filter { $0["ph"] != "M" }.allSatisfy { ($0["ts"]?.numberValue ?? 0) >= 0 })
        }
    }

    @Test func overlappingRequestsGoToSeparateLanes() throws {
        try withTemporaryDirectory { directory in
            let clock = SteppingClock()
            let writer = try TraceFileWriter(path: TraceRecorder.path(node: "beta", directory: directory))
            let server = TraceRecorder(node: "beta", writer: writer, pid: 7, wallClock: { clock.read() })
            let first = TraceContext(traceID: SampleRun.order, spanID: "0000000000000001")
            let second = TraceContext(traceID: SampleRun.order, spanID: "0000000000000002")
            server.record(.rpcReceive, context: first, data: ["method": "a"])
            server.record(.rpcReceive, context: second, data: ["method": "b"])
            server.record(.rpcReplySend, context: first, data: ["method": "a", "status": "ok"])
            server.record(.rpcReplySend, context: second, data: ["method": "b", "status": "ok"])
            server.close()
            let (text, _) = try export(directory, .perfetto)
            #expect(PerfettoValidator.problems(text) == [])
            let lanes = try events(text).filter { $0["ph"] == "X" }.map { $0["tid"] }
            #expect(lanes == [.int(1), .int(2)])
        }
    }

    @Test func validatorRejectsAFlowOutsideAnySlice() {
        let text =
            #"{"displayTimeUnit":"ms","traceEvents":["#
            + #"{"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"a"}},"#
            + #"{"ph":"X","name":"call","cat":"rpc.client","ts":1.0,"dur":2.0,"pid":1,"tid":1},"#
            + #"{"ph":"s","id":1,"name":"call","cat":"rpc.flow","ts":1.5,"pid":1,"tid":1},"#
            + #"{"ph":"f","bp":"e","id":1,"name":"call","cat":"rpc.flow","ts":9.0,"pid":1,"tid":1}]}"#
        #expect(PerfettoValidator.problems(text) == ["flow 1: f at 9.0 is inside no slice of its track"])
    }
}
