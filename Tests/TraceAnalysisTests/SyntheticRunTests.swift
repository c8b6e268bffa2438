import Foundation
import Testing
import TraceAnalysis
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
