import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

@Suite struct SyntheticRunTests {
    @Test func generatedRunIsCleanAndHasTheRequestedSize() throws {
        let directory = RunFiles.temporaryDirectory("synthetic")
        let written = try SyntheticRun.write(events: 5_000, to: directory)
        #expect(written >= 5_000 && written < 5_100)
        let report = try RunAnalysis.check(directory: directory, progress: ProgressReporter(enabled: false))
        #expect(report.events == written)
        #expect(report.violationCount == 0, "\(report.text())")
        #expect(report.warningCount == 0, "\(report.text())")
        #expect(report.result("exactly-once")!.info["ok"]! > 100)
    }

    @Test func generatedEventsAreAsLargeAsARealRunsAndSplitIntoMembers() throws {
        let directory = RunFiles.temporaryDirectory("synthetic-size")
        let written = try SyntheticRun.write(events: 20_000, to: directory)
        var bytes = 0
        var members = 0
        var spans = Set<String>()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let path = directory + "/" + file
            _ = try GzipDecompressor().decompressFile(at: path) { bytes += $0.count }
            let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            members +=
                compressed.indices.dropLast(3).filter {
                    compressed[$0] == 0x1F && compressed[$0 + 1] == 0x8B && compressed[$0 + 2] == 0x08
                        && compressed[$0 + 3] == 0
                }.count
            _ = try TraceFileReader().read(path: path) { event in if let span = event.spanID { spans.insert(span) } }
        }
        let perEvent = Double(bytes) / Double(written)
        #expect(perEvent > 350 && perEvent < 450, "\(perEvent) bytes of JSON per event")
        // 20,000 events of ~390 bytes are ~7.8 MB: the busiest nodes' files hold several 256 KiB members.
        #expect(members > 20)
        #expect(spans.count > written / 4, "span ids vary like a real run's: one per RPC side")
    }

    /// Not a test of behaviour: `ANALYZER_BENCH_EVENTS=1000000 ANALYZER_BENCH_DIR=/tmp/run swift test --filter
    /// SyntheticRunTests` writes a large run for measuring by hand before `bookstore-bench analyzer` is wired.
    @Test func writesALargeRunOnRequest() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let text = environment["ANALYZER_BENCH_EVENTS"], let events = Int(text),
            let directory = environment["ANALYZER_BENCH_DIR"]
        else { return }
        #expect(try SyntheticRun.write(events: events, to: directory) >= events)
    }
}
