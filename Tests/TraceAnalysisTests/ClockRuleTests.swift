import Causality
import ClusterProtocol
import Election
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// The clock rules of docs/trace-format.md §3.4 that a plant carried forward consistently must still break: each
/// scenario is built the way the recorders build runs (every later clock follows from the planted one), and each has
/// a clean twin that must stay silent.
@Suite struct ClockRuleTests {
    static let firstOrder = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    static let secondOrder = "1b2c3d4e5f60718293a4b5c6d7e8f90a"

    /// executor-2 leads and executes one order; `plant` runs before executor-1 records a heartbeat timeout; then
    /// executor-1 takes over and executes a second order (so whatever was planted travels on).
    static func failover(plant: (inout ScenarioBuilder) -> Void = { _ in }) -> ScenarioBuilder {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.order(firstOrder, executor: "executor-2", epoch: "1.2", lease: 1)
        plant(&builder)
        builder.now += 1_500_000_000  // executor-2 was killed: its last event is long before the end
        builder.record("executor-1", HeartbeatTimeout(leader: 2, silentMs: 200, reason: "leader 2 silent for 200 ms"))
        builder.record("executor-1", ElectionLeader(leader: 1, epoch: ScenarioBuilder.epoch("2.1"), isSelf: true))
        builder.order(secondOrder, executor: "executor-1", epoch: "2.1", lease: 2)
        return builder
    }

    /// The findings of `check`, unwrapped: title, events, steps and rule, one per line.
    static func explained(_ report: CheckReport, _ check: String) -> String {
        report.result(check)!.findings.flatMap { [$0.title] + $0.events.map(\.line) + $0.steps + [$0.rule] }
            .joined(separator: "\n")
    }

    static let killedLeader = ScenarioBuilder.cleanFailover().health

    static func violations(_ report: CheckReport) -> [String] {
        report.checks.flatMap { check in check.findings.filter { $0.severity == .violation }.map(\.title) }
    }

    @Test func theFailoverScenarioWithoutAPlantIsClean() {
        let report = CheckEngine.check(Self.failover().events, health: Self.killedLeader)
        #expect(report.violationCount == 0 && report.warningCount == 0, "\(report.text())")
        #expect(report.exitStatus == 0)
    }

    @Test func aLocalEventThatRaisesAnotherNodesEntryIsKnowledgeWithoutAReceive() {
        var leaked: UInt64 = 0
        let builder = Self.failover { builder in
            // executor-1 never talked to the queue; its next local event knows the queue's latest event and that
            // event's whole past (so no entry is from the future: only rule 4 breaks).
            leaked = builder.clocks["queue"]!["queue"]
            builder.clocks["executor-1"]!.merge(builder.clocks["queue"]!)
        }
        let report = CheckEngine.check(builder.events, health: Self.killedLeader)
        #expect(Self.violations(report).count == 1, "\(report.text())")
        let result = report.result("knowledge-never-shrinks")!
        #expect(result.violations == 1)
        let text = Self.explained(report, "knowledge-never-shrinks")
        #expect(text.contains("executor-1 learned ") && text.contains("queue:\(leaked)"))
        #expect(text.contains(" without a receive"))
        #expect(text.contains("E2 = executor-1#5 heartbeat timeout"))
        #expect(text.contains("E2 (heartbeat.timeout) is a local event: it merges no message"))
        #expect(text.contains("queue is \(leaked) in E2 but only 0 in E1"))
        #expect(text.contains("(§3.4 rule 4)"))
        #expect(report.exitStatus == 1)
    }

    @Test func anOwnEntryThatJumpsAtALocalEventAndStaysConsistentIsAViolation() {
        let builder = Self.failover { builder in
            for _ in 0..<5 { builder.clocks["executor-1"]!.tick("executor-1") }
        }
        let report = CheckEngine.check(builder.events, health: Self.killedLeader)
        #expect(Self.violations(report) == ["executor-1's own entry jumped from 4 to 10 at a local event"])
        let text = Self.explained(report, "own-clock-increases")
        #expect(text.contains("E1 = executor-1#4"))
        #expect(text.contains("E2 = executor-1#5 heartbeat timeout"))
        #expect(text.contains("so vc(E2)[executor-1] = vc(E1)[executor-1] + 1 = 5."))
        #expect(text.contains("However vc(E2)[executor-1] = 10."))
        #expect(report.exitStatus == 1)
    }

    @Test func aSeqThatSkipsWithoutItsClockTickIsAViolation() {
        let builder = Self.failover { builder in builder.sequences["executor-1"]! += 1 }
        let report = CheckEngine.check(builder.events, health: Self.killedLeader)
        #expect(
            Self.violations(report)
                == ["executor-1's seq skipped from 4 to 6 but its own entry only went from 4 to 5"], "\(report.text())")
        let text = Self.explained(report, "own-clock-increases")
        #expect(text.contains("vc(E2)[executor-1] ≥ 4 + 2 = 6"))
        #expect(text.contains("the skipped seq values belong to no recorded event"))
        #expect(report.exitStatus == 1)
    }

    /// §1.6: a full writer queue drops events that already took a seq and ticked the clock; the file shows only the
    /// gap. That loss is legitimate, so it is a warning (named, with the count), never silent and never a violation.
    @Test func aSeqGapWithTheClockInStepIsAWarningAboutLostEvents() {
        var builder = Self.failover()
        let dropped = builder.events.firstIndex { $0.payload(HeartbeatTimeout.self) != nil }!
        builder.events.remove(at: dropped)
        let clean = CheckEngine.check(builder.events, health: Self.killedLeader)
        #expect(clean.violationCount == 0, "\(clean.text())")
        let result = clean.result("own-clock-increases")!
        #expect(result.warnings == 1)
        let text = Self.explained(clean, "own-clock-increases")
        #expect(text.contains("executor-1's trace is missing 1 event(s): seq skips in 1 place(s)"))
        #expect(text.contains("events the writer dropped (queue full, §1.6"))
        #expect(clean.exitStatus == 0)

        var damaged = FileHealth(node: "executor-1", path: "executor-1.jsonl.gz")
        damaged.corrupt = true
        let lost = CheckEngine.check(builder.events, health: Self.killedLeader + [damaged])
        #expect(lost.violationCount == 0)
        #expect(Self.explained(lost, "own-clock-increases").contains("lost with the damaged part of the file"))
    }

    @Test func aFirstProcessWhoseOwnEntryDoesNotStartAtOneIsAViolationInACleanFile() {
        var builder = ScenarioBuilder()
        for _ in 0..<5 { builder.clocks["fraud", default: VectorClock()].tick("fraud") }
        builder.record("fraud", LogRecord(level: "info", message: "listening", logger: nil, attributes: nil))
        builder.record("fraud", LogRecord(level: "info", message: "ready", logger: nil, attributes: nil))
        let report = CheckEngine.check(builder.events, health: [])
        #expect(Self.violations(report) == ["fraud's first process starts its own entry at 6, not 1"])
        var damaged = FileHealth(node: "fraud", path: "fraud.jsonl.gz")
        damaged.corrupt = true
        let lenient = CheckEngine.check(builder.events, health: [damaged])
        #expect(lenient.violationCount == 0)
        #expect(lenient.result("own-clock-increases")!.warnings == 1)
    }

    /// executor-1 claims executor-2:c before executor-2 reached c and passes it on in a bully call to executor-2:
    /// executor-2's receive raises its own entry, which in its first process only a clock from the future can do.
    @Test func aFutureEntryThatComesBackToItsNodeIsAViolationNamingTheOriginAndTheReceive() {
        var claimed: UInt64 = 0
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        claimed = builder.clocks["executor-2"]!["executor-2"] + 3
        builder.clocks["executor-1"]!.merge(VectorClock(["executor-2": claimed]))
        builder.record("executor-1", HeartbeatTimeout(leader: 2, silentMs: 200, reason: "leader 2 silent"))
        builder.call("executor-1", "executor-2", "bully")
        let report = CheckEngine.check(builder.events, health: [])
        let result = report.result("no-future-clocks")!
        #expect(result.violations == 1, "\(report.text())")
        #expect(result.warnings == 0, "no 'lost?' warning blaming a restart that never happened")
        let text = Self.explained(report, "no-future-clocks")
        #expect(
            text.contains("executor-1 knew executor-2:\(claimed) before executor-2 recorded it, and the entry came "))
        #expect(text.contains("E1 = executor-1#5 heartbeat timeout"))
        #expect(text.contains("E3 = executor-2#"))
        #expect(text.contains("receive bully"))
        #expect(text.contains("the message carried executor-2:\(claimed)"))
        #expect(text.contains("so the entry came from the future."))
        #expect(!report.text().contains("lost?"))
        #expect(report.exitStatus == 1)
    }

    static let scoreReply = RPCReplySend(
        msg: "load-9-1", peer: "load", method: "score", status: "ok", httpStatus: 200, durationNanos: 1000)

    @Test func aReceiveRaisingItsOwnEntryWithoutATracedOriginIsStillAViolation() {
        var builder = ScenarioBuilder()
        builder.record("fraud", LogRecord(level: "info", message: "listening", logger: nil, attributes: nil))
        // An untraced client sends fraud a clock that already knows fraud:7.
        builder.record(
            "fraud", RPCReceive(msg: "load-9-1", peer: "load", method: "score"),
            merging: VectorClock(["fraud": 7, "load": 1]))
        builder.record("fraud", Self.scoreReply)
        let report = CheckEngine.check(builder.events, traced: ["fraud"])
        #expect(report.result("no-future-clocks")!.violations == 1, "\(report.text())")
        #expect(Self.explained(report, "no-future-clocks").contains("its origin is not in the trace"))
        // The same call carrying what fraud did record is a plain receive.
        var clean = ScenarioBuilder()
        clean.record("fraud", LogRecord(level: "info", message: "listening", logger: nil, attributes: nil))
        clean.record(
            "fraud", RPCReceive(msg: "load-9-1", peer: "load", method: "score"),
            merging: VectorClock(["fraud": 1, "load": 1]))
        clean.record("fraud", Self.scoreReply)
        #expect(CheckEngine.check(clean.events, traced: ["fraud"]).violationCount == 0)
    }
}
