import Causality
import ClusterProtocol
import Testing
import TraceExport
import TraceFormat

@Suite struct SelectionTests {
    /// A log event, or with `order` an event about that order (a `queue.enqueue`).
    private func event(node: String, trace: String?, order: String? = nil) -> TraceEvent {
        if let order {
            return TraceEvent(
                wallTimeNanos: 1, node: node, pid: 1, sequence: 1,
                payload: QueueEnqueue(order: order, priority: nil, depth: 1, duplicate: false), traceID: trace,
                clock: VectorClock([node: 1]))
        }
        return TraceEvent(
            wallTimeNanos: 1, node: node, pid: 1, sequence: 1, kind: .log, traceID: trace,
            clock: VectorClock([node: 1]))
    }

    @Test func orderMatchesTheTraceOrTheOrderFieldCaseInsensitively() {
        let selection = ExportSelection(order: SampleRun.order.uppercased())
        #expect(selection.includes(event(node: "a", trace: SampleRun.order)))
        #expect(selection.includes(event(node: "queue", trace: SampleRun.leaseTrace, order: SampleRun.order)))
        #expect(!selection.includes(event(node: "a", trace: SampleRun.leaseTrace)))
        #expect(!selection.includes(event(node: "a", trace: nil)))
    }

    @Test func nodeFilterKeepsOnlyTheNamedNodes() {
        let selection = ExportSelection(nodes: ["fraud"])
        #expect(selection.includes(event(node: "fraud", trace: nil)))
        #expect(!selection.includes(event(node: "queue", trace: nil)))
    }

    @Test func perfettoExportOfOneOrderKeepsItsLeaseButNotTheElection() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let (text, summary) = try export(directory, .perfetto, selection: ExportSelection(order: SampleRun.order))
            #expect(PerfettoValidator.problems(text) == [])
            let events = try parseJSON(text)["traceEvents"]?.arrayValue ?? []
            #expect(events.filter { $0["ph"] == "C" }.count == 2)  // enqueue, and the lease (data.order)
            #expect(!events.contains { $0["ph"] == "i" })
            // 11 orchestrator, 3 fraud, 3 queue in the trace + its queue.lease, 2 executor
            #expect(summary.eventsSelected == 20)
        }
    }

    @Test func missingRunDirectoryIsAClearError() {
        #expect(throws: TraceExportError.notADirectory("/nonexistent/run")) {
            _ = try TraceExporter.export(runDirectory: "/nonexistent/run", format: .otlp, output: "-")
        }
    }
}
