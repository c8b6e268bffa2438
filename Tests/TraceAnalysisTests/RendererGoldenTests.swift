import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// Compares renderer output with `Golden/<name>.txt`, byte for byte.
/// Regenerate after an intended change with `UPDATE_GOLDEN=1 swift test --filter RendererGoldenTests`.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func verify(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent("\(name).txt")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try! actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing golden file \(url.path); run with UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        guard actual != expected else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = Array(zip(a, e)).firstIndex { $0.0 != $0.1 } ?? min(a.count, e.count)
        Issue.record(
            """
            \(name): output differs from \(url.path) at line \(line + 1)
            expected: \(line < e.count ? String(e[line]) : "<end of file>")
            actual:   \(line < a.count ? String(a[line]) : "<end of output>")
            (diff hint: UPDATE_GOLDEN=1 swift test --filter RendererGoldenTests, then git diff \(url.path))
            """, sourceLocation: sourceLocation)
    }
}

@Suite struct RendererGoldenTests {
    static let scenario = ScenarioBuilder.cleanFailover()
    /// Computed: `RunEvent` (a `ManagedBuffer`) is not `Sendable`, so it cannot be a shared constant.
    static var merged: [RunEvent] { CausalMerge.merge(scenario.events) }

    @Test func timelineOfOneOrderMatchesGolden() {
        let order = "1b2c3d4e5f60718293a4b5c6d7e8f90a"
        let events = Self.merged.filter { EventFilter.belongs($0.event, to: order) }
        let text = TimelineRenderer().render(events, title: "order \(order)")
        Golden.verify(text, "timeline")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 120 })
    }

    @Test func timelineElidesLongRunsWithACount() {
        var builder = ScenarioBuilder()
        for index in 0..<30 {
            builder.record(
                "fraud", LogRecord(level: nil, message: "m\(index)", logger: nil, attributes: nil), trace: "t")
        }
        let text = TimelineRenderer().render(CausalMerge.merge(builder.events), title: "t")
        #expect(text.contains("⋮ 24 more"))
        #expect(text.split(separator: "\n").count < 20)
    }

    @Test func failoverPostMortemMatchesGolden() {
        let analyzer = FailoverAnalyzer()
        for event in Self.merged { analyzer.observe(event) }
        let text = analyzer.text(start: Self.merged.first!.event.wallTimeNanos)
        Golden.verify(text, "failover")
        #expect(analyzer.changes.count == 2)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 120 })
    }

    @Test func summaryMatchesGolden() {
        let summary = RunSummary()
        for event in Self.merged { summary.observe(event) }
        let checks = CheckEngine.check(Self.scenario.events, health: Self.scenario.health)
        let text = summary.text(directory: "scenario", health: Self.scenario.health, checks: checks)
        Golden.verify(text, "summary")
    }

    @Test func checkReportMatchesGolden() {
        var events = Self.scenario.events
        let index = events.firstIndex { $0.node == "queue" && $0.sequence == 5 }!
        var entries = events[index].clock.entries
        entries["queue"] = 3
        events[index].clock = .init(entries)
        Golden.verify(CheckEngine.check(events, health: Self.scenario.health).text(), "check-violation")
    }
}
