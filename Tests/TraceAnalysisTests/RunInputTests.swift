import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// Runs given as several inputs (one folder per host), and the loader-level refusals: two files of one node,
/// files that are not gzip, files in an unsupported format version.
@Suite struct RunInputTests {
    private static var quiet: ProgressReporter { ProgressReporter(enabled: false) }

    /// The clean failover scenario written into one folder per host, split by node.
    private func hosts(
        _ name: String, split: (String) -> Bool
    ) throws -> (String, String, (events: [TraceEvent], health: [FileHealth])) {
        let scenario = ScenarioBuilder.cleanFailover()
        let first = RunFiles.temporaryDirectory(name + "-host1")
        let second = RunFiles.temporaryDirectory(name + "-host2")
        try RunFiles.write(scenario.events.filter { split($0.node) }, to: first)
        try RunFiles.write(scenario.events.filter { !split($0.node) }, to: second)
        return (first, second, scenario)
    }

    @Test func foldersOfSeveralHostsAreCheckedAsOneRun() throws {
        let (first, second, scenario) = try hosts("multi") { $0.hasPrefix("executor") }
        let loader = try RunLoader(inputs: [first, second])
        #expect(loader.nodes == Set(scenario.events.map(\.node)))
        let joined = RunAnalysis.check(loader: loader, progress: Self.quiet)
        let inMemory = CheckEngine.check(scenario.events)
        #expect(joined.exitStatus == 0)
        #expect(joined.events == scenario.events.count)
        #expect(joined.checks.map(\.violations) == inMemory.checks.map(\.violations))
        // One host's folder alone misses the other nodes: its receives have no sends.
        let alone = RunAnalysis.check(loader: try RunLoader(inputs: [first]), progress: Self.quiet)
        #expect(alone.events < scenario.events.count)
    }

    @Test func singleFilesAndFoldersCanBeMixed() throws {
        let (first, second, scenario) = try hosts("mixed") { $0 == "queue" }
        let files = try FileManager.default.contentsOfDirectory(atPath: first).map { first + "/" + $0 }
        let loader = try RunLoader(inputs: files + [second])
        #expect(loader.nodes == Set(scenario.events.map(\.node)))
        // The same file named twice (as itself and through its folder) is read once.
        let twice = try RunLoader(inputs: [first, second] + files)
        #expect(twice.files.count == loader.files.count)
    }

    @Test func twoHostsWithAFileOfTheSameNodeAreRefusedNamingBothFiles() throws {
        let (first, second, _) = try hosts("same-node") { $0.hasPrefix("executor") }
        try FileManager.default.copyItem(atPath: second + "/queue.jsonl.gz", toPath: first + "/queue.jsonl.gz")
        #expect {
            _ = try RunLoader(inputs: [first, second])
        } throws: { error in
            guard case RunLoadError.duplicateNode(let node, let paths) = error else { return false }
            let text = "\(error)"
            return node == "queue" && paths.count == 2 && text.contains(first + "/queue.jsonl.gz")
                && text.contains(second + "/queue.jsonl.gz")
        }
    }

    @Test func aCopyOfANodesFileUnderAnotherNameIsRefusedAsTwoFilesOfOneNode() throws {
        let directory = RunFiles.temporaryDirectory("copied-node")
        try RunFiles.write(ScenarioBuilder.cleanFailover().events, to: directory)
        try FileManager.default.copyItem(
            atPath: directory + "/executor-1.jsonl.gz", toPath: directory + "/executor-1-copy.jsonl.gz")
        #expect(
            throws: RunLoadError.duplicateNode(
                node: "executor-1",
                paths: [directory + "/executor-1-copy.jsonl.gz", directory + "/executor-1.jsonl.gz"])
        ) {
            _ = try RunLoader(directory: directory)
        }
        // Renamed without a twin, its events still name another node: refused too.
        try FileManager.default.removeItem(atPath: directory + "/executor-1.jsonl.gz")
        #expect(
            throws: RunLoadError.misnamedFile(
                path: directory + "/executor-1-copy.jsonl.gz", nameSays: "executor-1-copy", eventsSay: "executor-1")
        ) {
            _ = try RunLoader(directory: directory)
        }
    }

    @Test func filesThatAreNotGzipMakeTheRunUnverifiable() throws {
        let directory = RunFiles.temporaryDirectory("not-gzip")
        for node in ["fraud", "queue"] {
            try Data("{\"v\":1,\"ts\":1}\n".utf8).write(to: URL(fileURLWithPath: directory + "/\(node).jsonl.gz"))
        }
        let report = try RunAnalysis.check(directory: directory, progress: Self.quiet)
        #expect(report.exitStatus == 2)
        #expect(report.unverifiable.count == 2)
        #expect(report.unverifiable.allSatisfy { $0.contains("not a gzip file") })
        #expect(report.text().contains("UNVERIFIABLE"))
        #expect(!report.text().contains("OK: no violation"))
    }

    @Test func aWholeFileInAnUnsupportedFormatVersionMakesTheRunUnverifiable() throws {
        let directory = RunFiles.temporaryDirectory("version")
        let scenario = ScenarioBuilder.cleanFailover()
        try RunFiles.write(scenario.events, to: directory)
        var lines: [UInt8] = []
        for var event in scenario.events where event.node == "executor-1" {
            event.version = 2
            TraceEventEncoder.appendLine(event, to: &lines)
        }
        try RunFiles.write(lines: lines, to: directory + "/executor-1.jsonl.gz", finish: true)
        let report = try RunAnalysis.check(directory: directory, progress: Self.quiet)
        #expect(report.exitStatus == 2)
        #expect(report.violationCount == 0, "the missing fraud events must not be blamed as violations")
        let reason = try #require(report.unverifiable.first)
        #expect(reason.contains("executor-1.jsonl.gz") && reason.contains("version 2") && reason.contains("supports 1"))
        #expect(report.json().contains("\"unverifiable\""))
    }

    @Test func aCleanRunIsNotUnverifiable() throws {
        let directory = RunFiles.temporaryDirectory("clean-verifiable")
        try RunFiles.write(ScenarioBuilder.cleanFailover().events, to: directory)
        let report = try RunAnalysis.check(directory: directory, progress: Self.quiet)
        #expect(report.unverifiable.isEmpty)
        #expect(report.exitStatus == 0)
    }

    @Test func offsetTimeBoundsCountFromTheEarliestFirstEventOfTheFiles() throws {
        let directory = RunFiles.temporaryDirectory("window")
        let scenario = ScenarioBuilder.cleanFailover()
        try RunFiles.write(scenario.events, to: directory)
        let loader = try RunLoader(directory: directory)
        let earliest = try #require(scenario.events.map(\.wallTimeNanos).min())
        #expect(loader.start == earliest)
        // A window after the first event selects exactly the events stamped inside it.
        let (from, to): (Int64, Int64) = (2_000_000, 10_000_000)
        let filter = EventFilter(from: .offset(from), to: .offset(to))
        let selected = RunAnalysis.select(loader: loader, filter: filter, progress: Self.quiet).events
        let expected = scenario.events.filter {
            ($0.wallTimeNanos - earliest) >= from && ($0.wallTimeNanos - earliest) <= to
        }
        #expect(!expected.isEmpty)
        #expect(selected.count == expected.count)
    }

    @Test func timelineJSONHoldsTheSelectedEventsAndTheirMessages() throws {
        let directory = RunFiles.temporaryDirectory("timeline-json")
        let scenario = ScenarioBuilder.cleanFailover()
        try RunFiles.write(scenario.events, to: directory)
        let loader = try RunLoader(directory: directory)
        let selection = RunAnalysis.select(loader: loader, filter: EventFilter(), progress: Self.quiet)
        let renderer = TimelineRenderer()
        let text = renderer.json(selection.events, title: "all", start: loader.start)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let events = try #require(document["events"] as? [[String: Any]])
        #expect(events.count == scenario.events.count)
        let messages = try #require(document["messages"] as? [[String: Any]])
        #expect(messages.count == renderer.messages(selection.events).count)
        #expect(!messages.isEmpty)
        let first = try #require(events.first?["event"] as? [String: Any])
        #expect(first["vc"] is [String: Any], "the clock is a JSON object, not a string")
    }
}

@Suite struct NotGzipEdgeTests {
    @Test func aFileCutInsideItsFirstGzipHeaderIsDamageNotAnotherFormat() throws {
        let directory = RunFiles.temporaryDirectory("cut-header")
        try RunFiles.write(ScenarioBuilder.cleanFailover().events, to: directory)
        try Data([0x1F]).write(to: URL(fileURLWithPath: directory + "/executor-1.jsonl.gz"))
        let report = try RunAnalysis.check(directory: directory, progress: ProgressReporter(enabled: false))
        #expect(report.unverifiable.isEmpty)
        let file = try #require(report.files.first { $0.node == "executor-1" })
        #expect(file.unreadable == nil)
        #expect(file.truncated)
    }
}
