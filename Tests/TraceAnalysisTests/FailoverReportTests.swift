import Causality
import ClusterProtocol
import Election
import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// `trace-analyzer failover` over several leader changes with restarts: times from the run's start (never
/// negative), each election event in the round it belongs to, and the old leader's "last" events taken from the
/// process that led, not from a restarted one.
@Suite struct FailoverReportTests {
    /// executor-1 starts the first election; executor-3 wins (1.3), and executor-1's election message reaches
    /// executor-2 only after the claim. executor-3 is killed and restarted (new pid) before executor-2 times out and
    /// wins (2.2); then executor-2 is killed and the restarted executor-3 wins (3.3).
    static func threeChanges() -> [RunEvent] {
        var builder = ScenarioBuilder()
        builder.record("executor-1", ElectionStart(reason: "start", term: 0))
        let first = ElectionMessage(type: "election", peer: 2, epoch: .none)
        let send = builder.record("executor-1", ElectionSend(first))
        builder.elect("executor-3", epoch: "1.3", follower: "executor-1")
        builder.call("executor-3", "executor-2", "bully") { builder in
            builder.record(
                "executor-2",
                ElectionReceive(ElectionMessage(type: "coordinator", peer: 3, epoch: .init(term: 1, leader: 3))))
            builder.record("executor-2", ElectionLeader(leader: 3, epoch: Epoch(term: 1, leader: 3), isSelf: false))
        }
        // The first election's message, delivered late.
        builder.record(
            "executor-2", ElectionReceive(ElectionMessage(type: "election", peer: 1, epoch: .none)),
            merging: builder.events[send].clock)
        builder.record(
            "executor-3", ElectionSend(ElectionMessage(type: "coordinator", peer: 2, epoch: Epoch(term: 1, leader: 3))))
        // executor-3 is killed and restarted: the new process starts an election of its own first.
        builder.now += 300_000_000
        builder.restartProcess("executor-3")
        builder.record("executor-3", ElectionStart(reason: "start", term: 1))
        builder.record("executor-2", HeartbeatTimeout(leader: 3, silentMs: 200, reason: "leader 3 silent for 200 ms"))
        builder.elect("executor-2", epoch: "2.2", follower: "executor-1", reason: "leader 3 silent for 200 ms")
        builder.now += 300_000_000
        builder.record("executor-1", HeartbeatTimeout(leader: 2, silentMs: 200, reason: "leader 2 silent for 200 ms"))
        builder.elect("executor-3", epoch: "3.3", follower: "executor-1", reason: "leader 2 silent for 200 ms")
        return CausalMerge.merge(builder.events)
    }

    static func analyzed() -> FailoverAnalyzer {
        let analyzer = FailoverAnalyzer()
        for event in threeChanges() { analyzer.observe(event) }
        return analyzer
    }

    @Test func timesAndDurationsAreNeverNegativeAfterRestarts() {
        let analyzer = Self.analyzed()
        let document = analyzer.document()
        #expect(document.changes.count == 3)
        let text = analyzer.text()
        #expect(!text.contains("+-") && !text.contains(": -"), "\(text)")
        for change in document.changes {
            for duration in change.durations { #expect(duration.nanos >= 0, "\(change.number) \(duration.name)") }
            #expect(change.claim.atNanos >= 0)
        }
    }

    @Test func theFirstElectionsLateMessageStaysInTheFirstChange() {
        let document = Self.analyzed().document()
        let late = { (event: FailoverDocument.Event) in event.kind == "election.receive" && event.node == "executor-2" }
        #expect(
            document.changes[0].election.contains { late($0) && $0.summary.contains("election from") },
            "\(Self.analyzed().text())")
        #expect(!document.changes[1].election.contains { late($0) && $0.summary.contains("election from") })
        // The restarted executor-3's own election start belongs to the round that follows executor-3's leadership.
        #expect(document.changes[1].election.contains { $0.node == "executor-3" && $0.kind == "election.start" })
    }

    @Test func theOldLeadersLastSignOfLifeIsFromTheProcessThatLed() {
        let document = Self.analyzed().document()
        let second = document.changes[1]
        #expect(second.previousLeader == "executor-3")
        let claimPID = document.changes[0].claim.pid
        #expect(second.lastSignOfLife?.pid == claimPID, "not the restarted process")
        let sinceLife = second.durations.first { $0.name.hasPrefix("old leader's last sign of life") }
        #expect(sinceLife.map { $0.nanos > 0 && !$0.clockSkew } ?? false)
    }

    @Test func jsonCarriesTheSameChanges() throws {
        let analyzer = Self.analyzed()
        let decoded = try JSONDecoder().decode(FailoverDocument.self, from: Data(analyzer.json().utf8))
        #expect(decoded == analyzer.document())
        #expect(decoded.changes.map(\.epoch) == ["1.3", "2.2", "3.3"])
        #expect(decoded.changes.map(\.leader) == ["executor-3", "executor-2", "executor-3"])
    }

    @Test func aRunWithoutALeaderChangeSaysSo() throws {
        let analyzer = FailoverAnalyzer()
        #expect(analyzer.text() == "no leader change in this run\n")
        let decoded = try JSONDecoder().decode(FailoverDocument.self, from: Data(analyzer.json().utf8))
        #expect(decoded.changes.isEmpty)
    }
}

/// `trace-analyzer failover --format json` on the curated sample run, through the built binary.
@Suite struct FailoverCommandTests {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static func analyzer() throws -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("trace-analyzer").path,
            packageRoot.appendingPathComponent(".build/debug/trace-analyzer").path,
        ]
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
            "trace-analyzer not built (swift build); tried \(candidates)")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try analyzer())
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    @Test func failoverPrintsJSONThatMatchesItsText() throws {
        let sample = Self.packageRoot.appendingPathComponent("traces/samples/clean-failover").path
        let json = try Self.run(["failover", sample, "--format", "json"])
        #expect(json.status == 0)
        let document = try JSONDecoder().decode(FailoverDocument.self, from: json.output)
        #expect(!document.changes.isEmpty)
        let text = String(decoding: try Self.run(["failover", sample]).output, as: UTF8.self)
        for change in document.changes {
            #expect(text.contains("leader change \(change.number): "))
            #expect(text.contains("\(change.leader) (epoch \(change.epoch))"))
            #expect(change.claim.atNanos >= 0)
            #expect(change.durations.allSatisfy { !$0.clockSkew || $0.nanos < 0 })
        }
        #expect(!text.contains("+-"))
    }
}
