import Causality
import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// The curated runs under `traces/samples/`: a real clean run with a failover, and one planted violation per
/// check. Regenerate the planted ones with `REGENERATE_FIXTURES=1 swift test --filter FixtureTests`.
enum Fixtures {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../traces/samples").standardized.path

    struct Planted: Sendable {
        var name: String
        var check: String
        var severity: Finding.Severity
        /// A sentence the explanation must contain.
        var explanation: String
        var build: @Sendable () -> [TraceEvent]
    }

    static func mutate(_ change: @escaping @Sendable (inout [TraceEvent]) -> Void) -> @Sendable () -> [TraceEvent] {
        {
            var events = ScenarioBuilder.cleanFailover().events
            change(&events)
            return events
        }
    }

    static func set(_ events: inout [TraceEvent], _ predicate: (TraceEvent) -> Bool, _ node: String, _ value: UInt64) {
        let index = events.firstIndex(where: predicate)!
        var entries = events[index].clock.entries
        entries[node] = value
        events[index].clock = VectorClock(entries)
    }

    static let planted: [Planted] = [
        Planted(
            name: "01-own-clock-regression", check: "own-clock-increases", severity: .violation,
            explanation: "However vc(E2)[queue] = 3.",
            build: mutate { set(&$0, { $0.node == "queue" && $0.sequence == 5 }, "queue", 3) }),
        Planted(
            name: "02-knowledge-shrinks", check: "knowledge-never-shrinks", severity: .violation,
            explanation: "However queue is 1 in E2 but",
            build: mutate { set(&$0, { $0.kind.rawValue == "order.decision" }, "queue", 1) }),
        Planted(
            name: "03-receive-without-merge", check: "receive-matches-send", severity: .violation,
            explanation: "However entry orchestrator is 2 in E1 but only 0 in E2",
            build: mutate { events in
                let index = events.firstIndex { $0.node == "queue" && $0.kind == .rpcReceive }!
                events[index].clock = VectorClock(["queue": 1])
            }),
        Planted(
            name: "04-clock-from-the-future", check: "no-future-clocks", severity: .violation,
            explanation: "knew queue:20 before queue recorded it",
            build: mutate { set(&$0, { $0.node == "orchestrator" && $0.sequence == 1 }, "queue", 20) }),
        Planted(
            name: "05-causal-cycle", check: "no-causal-cycle", severity: .violation,
            explanation: "So E1 → E2 → E1: a cycle.",
            build: mutate { events in
                let receive = events.first { $0.node == "queue" && $0.kind == .rpcReceive }!
                set(
                    &events, { $0.node == "orchestrator" && $0.kind == .rpcSend }, "queue",
                    receive.clock["queue"] + 3)
            }),
        Planted(
            name: "06-concurrent-dequeues", check: "mutual-exclusion", severity: .violation,
            explanation: "And the queue did not end lease",
            build: {
                var builder = ScenarioBuilder()
                builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
                let dequeue = EventKind("executor.dequeue")
                builder.record("executor-2", dequeue, ["order": "a1", "epoch": "1.2", "lease": 1])
                builder.record("executor-1", dequeue, ["order": "a2", "epoch": "1.2", "lease": 2])
                return builder.events
            }),
        Planted(
            name: "07-two-leaders-one-epoch", check: "election-safety", severity: .violation,
            explanation: "two leaders claimed epoch 2.1",
            build: mutate { events in
                let last = events.last { $0.node == "executor-2" }!
                var clock = last.clock
                clock.tick("executor-2")
                events.append(
                    TraceEvent(
                        wallTimeNanos: last.wallTimeNanos + 1, node: "executor-2", pid: last.pid,
                        sequence: last.sequence + 1, kind: EventKind("election.leader"), clock: clock,
                        data: ["leader": 1, "epoch": "2.1", "term": 2, "self": true]))
            }),
        Planted(
            name: "08-lost-order", check: "exactly-once", severity: .violation,
            explanation: "However the queue never commits it",
            build: mutate { events in
                events.removeAll {
                    ["queue.commit", "executor.commit"].contains($0.kind.rawValue)
                        && $0.data["order"]?.stringValue == "2c3d4e5f60718293a4b5c6d7e8f90a1b"
                }
            }),
        Planted(
            name: "09-call-without-reply", check: "requests-end", severity: .violation,
            explanation: "no rpc.reply.receive or rpc.failure",
            build: mutate { events in
                events.remove(at: events.firstIndex { $0.node == "executor-1" && $0.kind == .rpcReplyReceive }!)
            }),
        Planted(
            name: "10-receive-before-send-wall-clock", check: "wall-clock-sanity", severity: .warning,
            explanation: "earlier than ts(E1)",
            build: mutate { events in
                let index = events.firstIndex { $0.node == "queue" && $0.kind == .rpcReceive }!
                events[index].wallTimeNanos -= 2_000_000_000
            }),
    ]

    /// Writes `events` as a run directory; executor-2's file is left open (killed), the others are closed.
    static func write(_ events: [TraceEvent], to directory: String) throws {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for node in Set(events.map(\.node)).sorted() {
            var bytes: [UInt8] = []
            for event in events where event.node == node { TraceEventEncoder.appendLine(event, to: &bytes) }
            try RunFiles.write(lines: bytes, to: directory + "/\(node).jsonl.gz", finish: node != "executor-2")
        }
    }
}

@Suite struct FixtureTests {
    @Test(arguments: Fixtures.planted.map(\.name))
    func plantedViolationIsDetectedWithItsExplanation(name: String) throws {
        let fixture = Fixtures.planted.first { $0.name == name }!
        let directory = Fixtures.samples + "/planted/" + name
        if ProcessInfo.processInfo.environment["REGENERATE_FIXTURES"] == "1" {
            try Fixtures.write(fixture.build(), to: directory)
        }
        let report = try RunAnalysis.check(directory: directory, progress: ProgressReporter(enabled: false))
        let result = try #require(report.result(fixture.check))
        let findings = result.findings.filter { $0.severity == fixture.severity }
        #expect(!findings.isEmpty, "\(name): \(fixture.check) found nothing")
        let text = findings.flatMap { $0.textLines(width: 10_000) }.joined(separator: "\n")
        #expect(text.contains(fixture.explanation), "\(name):\n\(text)")
        #expect(report.exitStatus == (fixture.severity == .violation ? 1 : 0))
    }

    @Test func cleanSampleRunsShowNoViolation() throws {
        for name in ["clean-failover", "planted/00-clean-scenario"] {
            let directory = Fixtures.samples + "/" + name
            if name.hasPrefix("planted/"), ProcessInfo.processInfo.environment["REGENERATE_FIXTURES"] == "1" {
                try Fixtures.write(ScenarioBuilder.cleanFailover().events, to: directory)
            }
            let report = try RunAnalysis.check(directory: directory, progress: ProgressReporter(enabled: false))
            #expect(report.violationCount == 0, "\(name): \(report.text())")
            #expect(report.exitStatus == 0)
            #expect(report.events > 50)
        }
    }
}
