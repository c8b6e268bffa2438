import Foundation
import Logging
import RPC
import Testing
import TraceAnalysis
import TraceExport
import TraceFormat

/// Exports trace files written by the real RPC layer (an `RPCServer` and an `RPCClient` on 127.0.0.1), with
/// real timestamps, ids and clocks, and validates all three formats.
@Suite struct RealExchangeExportTests {
    struct Numbers: Codable, Sendable {
        var a: Int
        var b: Int
    }

    private func recordExchange(in directory: String) throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let server = try TraceRecorder.file(node: "beta", directory: directory)
        let client = try TraceRecorder.file(node: "alpha", directory: directory)
        var router = Router()
        router.register("add", Numbers.self) { numbers, _ in numbers.a + numbers.b }
        router.register("boom", Numbers.self) { _, _ -> Int in throw CocoaError(.fileReadCorruptFile) }
        let rpc = RPCServer(configuration: .init(port: 0, threads: 2), router: router, recorder: server, logger: logger)
        try rpc.start()
        let beta = RPCClient(peer: "beta", baseURL: "http://127.0.0.1:\(rpc.port)", recorder: client, logger: logger)
        let root = TraceContext.newTrace()
        #expect((try? beta.call("add", Numbers(a: 1, b: 2), returning: Int.self, context: root)) == 3)
        #expect((try? beta.call("boom", Numbers(a: 1, b: 2), returning: Int.self, context: root)) == nil)
        #expect((try? beta.call("add", Numbers(a: 2, b: 2), returning: Int.self)) == 4)
        // A refused connection: recorded as rpc.failure, a client span with an error status.
        let idle = RPCServer(configuration: .init(port: 0), router: Router(), recorder: server, logger: logger)
        try idle.start()
        let closedPort = idle.port
        idle.stop()
        let ghost = RPCClient(
            peer: "ghost", baseURL: "http://127.0.0.1:\(closedPort)", recorder: client, logger: logger,
            defaultDeadline: .seconds(1))
        #expect((try? ghost.call("add", Numbers(a: 1, b: 1), returning: Int.self, context: root)) == nil)
        rpc.stop()
        server.close()
        client.close()
    }

    @Test func realExchangeExportsToValidOTLP() throws {
        try withTemporaryDirectory { directory in
            try recordExchange(in: directory)
            let (text, summary) = try export(directory, .otlp)
            #expect(summary.problems == [])
            #expect(OTLPValidator.problems(text) == [])
            #expect(text.split(separator: "\n").count == 2)  // the traced root's calls, and the call without one
            #expect(summary.itemsWritten == 7)  // 4 client spans, 3 server spans
            #expect(text.contains(#""kind":2"#) && text.contains(#""code":2"#))
        }
    }

    @Test func realExchangeExportsToValidPerfetto() throws {
        try withTemporaryDirectory { directory in
            try recordExchange(in: directory)
            let (text, _) = try export(directory, .perfetto)
            #expect(PerfettoValidator.problems(text) == [])
            let events = try parseJSON(text)["traceEvents"]?.arrayValue ?? []
            #expect(events.filter { $0["ph"] == "s" }.count == 3)
            #expect(events.filter { $0["ph"] == "f" }.count == 3)
            #expect(events.filter { $0["ph"] == "X" }.count == 7)
        }
    }

    @Test func realExchangeExportsToValidShiViz() throws {
        try withTemporaryDirectory { directory in
            try recordExchange(in: directory)
            let (text, summary) = try export(directory, .shiviz)
            #expect(ShiVizValidator.problems(text) == [])
            let entries = ShiVizValidator.parse(text).entries
            #expect(entries.count == summary.eventsSelected)
            #expect(Set(entries.map(\.host)) == ["alpha", "beta"])
            let receives = entries.filter { $0.kind == "rpc.receive" }
            #expect(receives.count == 3 && receives.allSatisfy { $0.clock["alpha"] > 0 })
        }
    }

    @Test func orderSelectionKeepsOnlyThatTrace() throws {
        try withTemporaryDirectory { directory in
            try recordExchange(in: directory)
            let source = try RunLoader(directory: directory)
            var traces: [String: Int] = [:]
            try source.forEachEventInFileOrder { _, event in traces[event.traceID ?? "", default: 0] += 1 }
            let (busiest, count) = try #require(traces.max { $0.value < $1.value })
            let (text, summary) = try export(directory, .otlp, selection: ExportSelection(order: busiest.uppercased()))
            #expect(summary.eventsSelected == count)
            #expect(text.split(separator: "\n").count == 1)
            #expect(text.contains(busiest))
        }
    }
}
