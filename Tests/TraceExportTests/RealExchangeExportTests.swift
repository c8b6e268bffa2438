import Foundation
import Testing
import TraceExport
import TraceFormat

/// Exports trace files written by a real exchange over TCP (see `LoopbackExchange`), with real timestamps,
/// ids and clocks, and validates all three formats.
@Suite struct RealExchangeExportTests {
    private func recordExchange(in directory: String) throws {
        let exchange = try LoopbackExchange(directory: directory)
        exchange.serve(count: 3)
        let root = TraceContext.newTrace()
        #expect(exchange.call("add", context: root) == 200)
        #expect(exchange.call("boom", context: root) == 500)
        #expect(exchange.call("add") == 200)
        let closed = try LoopbackExchange(directory: directory + "-closed")
        let closedPort = closed.port
        closed.finish()
        try? FileManager.default.removeItem(atPath: directory + "-closed")
        #expect(exchange.call("add", context: root, port: closedPort) == nil)
        exchange.finish()
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
            let source = try TraceRunSource(directory: directory)
            var traces: [String: Int] = [:]
            try source.forEachEvent { event in traces[event.traceID ?? "", default: 0] += 1 }
            let (busiest, count) = try #require(traces.max { $0.value < $1.value })
            let (text, summary) = try export(directory, .otlp, selection: ExportSelection(order: busiest.uppercased()))
            #expect(summary.eventsSelected == count)
            #expect(text.split(separator: "\n").count == 1)
            #expect(text.contains(busiest))
        }
    }
}
