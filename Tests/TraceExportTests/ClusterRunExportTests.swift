import ClusterProtocol
import Foundation
import Testing
import TraceExport
import TraceFormat

/// Exports a real cluster run — the curated `traces/samples/clean-failover` (eight services and the load
/// generator, a leader killed with -9 and restarted) — and validates all three formats.
@Suite struct ClusterRunExportTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("traces/samples/clean-failover").path

    /// The sample's trace files copied to a scratch directory (exports are written beside them).
    private func withSample<T>(_ body: (String) throws -> T) throws -> T {
        try withTemporaryDirectory { directory in
            let files = try FileManager.default.contentsOfDirectory(atPath: Self.sample).filter {
                $0.hasSuffix(".jsonl.gz")
            }
            #expect(files.count >= 8, "the sample run has a file per node")
            for file in files {
                try FileManager.default.copyItem(atPath: Self.sample + "/" + file, toPath: directory + "/" + file)
            }
            return try body(directory)
        }
    }

    @Test func clusterRunExportsToValidOTLP() throws {
        try withSample { directory in
            let (text, summary) = try export(directory, .otlp)
            #expect(OTLPValidator.problems(text).isEmpty, "\(OTLPValidator.problems(text).prefix(5))")
            #expect(summary.itemsWritten > 1_000)
            // The replicas are one service, each node an instance of it.
            #expect(text.contains(#""key":"service.name","value":{"stringValue":"executor"}"#))
            #expect(!text.contains(#""key":"service.name","value":{"stringValue":"executor-2"}"#))
            #expect(text.contains(#""key":"service.instance.id","value":{"stringValue":"executor-2"}"#))
        }
    }

    @Test func clusterRunExportsToValidPerfetto() throws {
        try withSample { directory in
            let (text, summary) = try export(directory, .perfetto)
            #expect(PerfettoValidator.problems(text).isEmpty, "\(PerfettoValidator.problems(text).prefix(5))")
            #expect(summary.eventsSelected > 3_000)
        }
    }

    @Test func clusterRunExportsToValidShiVizForOneOrder() throws {
        try withSample { directory in
            var order: String?
            _ = try TraceFileReader().read(path: directory + "/queue.jsonl.gz") { event in
                if order == nil, let commit = event.payload(QueueCommit.self) { order = commit.ack.order }
            }
            let selection = ExportSelection(order: try #require(order))
            let (text, summary) = try export(directory, .shiviz, selection: selection)
            #expect(ShiVizValidator.problems(text).isEmpty, "\(ShiVizValidator.problems(text).prefix(5))")
            let hosts = Set(ShiVizValidator.parse(text).entries.map(\.host))
            #expect(
                hosts.isSuperset(of: ["orchestrator", "verification", "fraud", "suggestions", "queue"]), "\(hosts)")
            #expect(summary.eventsSelected > 10)
        }
    }
}
