import Causality
import Foundation
import Testing
import TraceFormat

@testable import TraceExport

@Suite struct ShiVizExportTests {
    @Test func sampleRunExportFollowsShiVizRules() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let (text, summary) = try export(directory, .shiviz)
            #expect(ShiVizValidator.problems(text) == [])
            #expect(text.hasPrefix(ShiVizExporter.parserRegex + "\n\n"))
            #expect(summary.notes == [ShiVizExporter.renumberedNote])
            let entries = ShiVizValidator.parse(text).entries
            #expect(entries.count == summary.eventsSelected)
            #expect(!entries.contains { $0.clock["ghost"] > 0 })  // a node without events is never named
        }
    }

    @Test func renumberedClocksCountExportedEventsAndMergeExportedSends() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let selection = ExportSelection(nodes: ["orchestrator", "fraud"])
            let entries = ShiVizValidator.parse(try export(directory, .shiviz, selection: selection).text).entries
            #expect(ShiVizValidator.problems(try export(directory, .shiviz, selection: selection).text) == [])
            let receive = try #require(entries.first { $0.kind == "rpc.receive" && $0.host == "fraud" })
            #expect(receive.clock == VectorClock(["orchestrator": 2, "fraud": 1]))
            let reply = try #require(entries.first { $0.kind == "rpc.reply.receive" && $0.field("peer") == "fraud" })
            #expect(reply.clock == VectorClock(["orchestrator": 3, "fraud": 3]))
            // The queue's reply is not exported, so the orchestrator's enqueue reply merges nothing.
            let enqueue = try #require(entries.first { $0.kind == "rpc.reply.receive" && $0.field("peer") == "queue" })
            #expect(enqueue.clock["fraud"] == 3)
            #expect(Set(entries.flatMap { $0.clock.entries.keys }) == ["orchestrator", "fraud"])
        }
    }

    @Test func exportOrderKeepsEachHostInItsOwnOrder() throws {
        try withTemporaryDirectory { directory in
            try SampleRun.write(to: directory)
            let entries = ShiVizValidator.parse(try export(directory, .shiviz).text).entries
            for host in Set(entries.map(\.host)) {
                let sequence = entries.filter { $0.host == host }.compactMap { $0.field("seq").flatMap { UInt64($0) } }
                #expect(sequence == sequence.sorted(), "\(host)")
                #expect(sequence.first == 1, "\(host)")
            }
        }
    }

    @Test func validatorRejectsAClockThatSkipsOrNamesStrangers() {
        let text =
            ShiVizExporter.parserRegex + "\n\n"
            + "a {\"a\":1}\nrpc.send msg=m peer=b\n"
            + "b {\"a\":1,\"b\":1,\"c\":4}\nrpc.receive msg=m peer=a\n"
            + "a {\"a\":3}\nlog\n"
        let problems = ShiVizValidator.problems(text)
        #expect(problems.contains { $0.contains("names c") })
        #expect(problems.contains { $0.contains("own entry 3, expected 2") })
    }

    @Test func descriptionsStayOnOneLine() {
        let event = TraceEvent(
            wallTimeNanos: 1, node: "a", pid: 1, sequence: 7, kind: .log, clock: VectorClock(["a": 7]),
            data: ["message": "two\nlines\u{2028}here"])
        let text = ShiVizExporter.describe(event)
        #expect(text == "log message=two lines here seq=7")
    }
}
