import Causality
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// Shared helpers for the check tests.
enum Scenario {
    static func check(
        _ events: [TraceEvent], health: [FileHealth] = ScenarioBuilder.cleanFailover().health
    )
        -> CheckReport
    {
        CheckEngine.check(events, health: health)
    }

    /// The index of the first event matching `predicate`.
    static func index(_ events: [TraceEvent], _ predicate: (TraceEvent) -> Bool) -> Int {
        events.firstIndex(where: predicate)!
    }

    static func setClock(_ events: inout [TraceEvent], at index: Int, _ node: String, _ value: UInt64) {
        var entries = events[index].clock.entries
        entries[node] = value
        events[index].clock = VectorClock(entries)
    }

    static func text(_ report: CheckReport, _ check: String) -> String {
        report.result(check)!.findings.flatMap { $0.textLines() }.joined(separator: "\n")
    }
}

@Suite struct CheckTests {
    @Test func cleanFailoverRunHasNoViolationAndNoWarning() {
        let scenario = ScenarioBuilder.cleanFailover()
        let report = Scenario.check(scenario.events, health: scenario.health)
        for check in report.checks {
            #expect(check.violations == 0, "\(check.name): \(check.findings.map(\.title))")
            #expect(check.warnings == 0, "\(check.name): \(check.findings.map(\.title))")
            #expect(check.examined > 0 || check.name == "wall-clock-sanity" && check.examined >= 0)
        }
        #expect(report.checks.count == 10)
        #expect(report.exitStatus == 0)
        #expect(report.result("exactly-once")!.info["ok"] == 3)
    }

    @Test func ownClockRegressionIsAViolationWithBothEvents() {
        var events = ScenarioBuilder.cleanFailover().events
        let target = Scenario.index(events) { $0.node == "queue" && $0.sequence == 5 }
        Scenario.setClock(&events, at: target, "queue", 3)
        let report = Scenario.check(events)
        let result = report.result("own-clock-increases")!
        #expect(result.violations == 1)
        let text = Scenario.text(report, "own-clock-increases")
        #expect(text.contains("E1 = queue#4"))
        #expect(text.contains("E2 = queue#5"))
        #expect(text.contains("However vc(E2)[queue] = 3."))
        #expect(text.contains("⇒ a node's own clock entry strictly increases"))
        #expect(report.exitStatus == 1)
    }

    @Test func shrinkingKnowledgeNamesTheEntryThatDecreased() {
        var events = ScenarioBuilder.cleanFailover().events
        let target = Scenario.index(events) { $0.node == "orchestrator" && $0.kind.rawValue == "order.decision" }
        Scenario.setClock(&events, at: target, "queue", 1)
        let report = Scenario.check(events)
        #expect(report.result("knowledge-never-shrinks")!.violations == 1)
        let text = Scenario.text(report, "knowledge-never-shrinks")
        #expect(text.contains("However queue is 1 in E2 but"))
        #expect(text.contains("vc(E1) ≤ vc(E2)"))
    }

    @Test func receiveThatDidNotMergeTheSendIsExplained() {
        var events = ScenarioBuilder.cleanFailover().events
        let receive = Scenario.index(events) { $0.node == "queue" && $0.kind == .rpcReceive }
        // The first receive of the queue, as if it had not merged the orchestrator's clock.
        events[receive].clock = VectorClock(["queue": 1])
        let report = Scenario.check(events)
        let result = report.result("receive-matches-send")!
        #expect(result.violations >= 1)
        let text = Scenario.text(report, "receive-matches-send")
        #expect(text.contains("E1 = orchestrator#2 send enqueue"))
        #expect(text.contains("E1 → E2 because E2 receives the message E1 sent."))
        #expect(text.contains("However entry orchestrator is 2 in E1 but only 0 in E2"))
    }

    @Test func receiveClockMustBeExactlyMergePlusTick() {
        var events = ScenarioBuilder.cleanFailover().events
        let receive = Scenario.index(events) { $0.node == "queue" && $0.kind == .rpcReceive && $0.sequence > 3 }
        Scenario.setClock(&events, at: receive, "executor-1", events[receive].clock["executor-1"] + 1)
        let report = Scenario.check(events)
        let text = Scenario.text(report, "receive-matches-send")
        #expect(text.contains("receive clock is not merge(previous, message) + tick"))
        #expect(text.contains("expected"))
    }

    @Test func receiveWithoutAnySendIsAViolationUnlessTheSenderLostEvents() {
        var events = ScenarioBuilder.cleanFailover().events
        let send = Scenario.index(events) { $0.node == "executor-1" && $0.kind == .rpcSend }
        events[send].data["msg"] = "executor-1-0-999"
        let report = Scenario.check(events)
        #expect(report.result("receive-matches-send")!.violations == 1)
        #expect(Scenario.text(report, "receive-matches-send").contains("has no matching send"))
        // Same, but executor-1's file is damaged: only a warning ("lost?").
        var damaged = FileHealth(node: "executor-1", path: "executor-1.jsonl.gz")
        damaged.corrupt = true
        let lenient = Scenario.check(events, health: ScenarioBuilder.cleanFailover().health + [damaged])
        #expect(lenient.result("receive-matches-send")!.violations == 0)
        #expect(lenient.result("receive-matches-send")!.warnings == 1)
    }

    @Test func receivesFromUntracedNodesAreOnlyCounted() {
        var events = ScenarioBuilder.cleanFailover().events
        events.removeAll { $0.node == "executor-1" }
        let report = CheckEngine.check(events, traced: Set(events.map(\.node)))
        #expect(report.result("receive-matches-send")!.violations == 0)
        #expect(report.result("receive-matches-send")!.info["receives from untraced nodes"] ?? 0 > 0)
        #expect(report.result("no-future-clocks")!.violations == 0)
    }

    @Test func clockFromTheFutureIsDetected() {
        var events = ScenarioBuilder.cleanFailover().events
        // The orchestrator's first event claims to know the queue's 20th event, which comes much later.
        let early = Scenario.index(events) { $0.node == "orchestrator" && $0.sequence == 1 }
        Scenario.setClock(&events, at: early, "queue", 20)
        let report = Scenario.check(events)
        #expect(report.result("no-future-clocks")!.violations == 1)
        let text = Scenario.text(report, "no-future-clocks")
        #expect(text.contains("knew queue:20 before queue recorded it"))
        #expect(text.contains("so E1 claims E2 → E1"))
        #expect(text.contains("did not happen before E1"))
    }

    @Test func messageReceivedBeforeItWasSentIsACycle() {
        var events = ScenarioBuilder.cleanFailover().events
        let send = Scenario.index(events) { $0.node == "orchestrator" && $0.kind == .rpcSend }
        let receive = Scenario.index(events) { $0.node == "queue" && $0.kind == .rpcReceive }
        // The send claims to know the receive and more of the queue: the receive is before the send.
        Scenario.setClock(&events, at: send, "queue", events[receive].clock["queue"] + 3)
        let report = Scenario.check(events)
        #expect(report.result("no-causal-cycle")!.violations == 1)
        let text = Scenario.text(report, "no-causal-cycle")
        #expect(text.contains("E1 → E2 because E2 receives the message E1 sent."))
        #expect(text.contains("So E1 → E2 → E1: a cycle."))
    }

    @Test func concurrentDequeuesWithoutFencingViolateMutualExclusion() {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.record("executor-2", EventKind("executor.dequeue"), ["order": "a1", "epoch": "1.2", "lease": 1])
        builder.record("executor-1", EventKind("executor.dequeue"), ["order": "a2", "epoch": "1.2", "lease": 2])
        let report = Scenario.check(builder.events, health: [])
        let result = report.result("mutual-exclusion")!
        #expect(result.violations == 1)
        let text = Scenario.text(report, "mutual-exclusion")
        #expect(text.contains("So E1 ∥ E2"))
        #expect(text.contains("And the queue did not end lease"))
    }

    @Test func overlappingLeasesOnTheQueueAreAViolation() {
        var builder = ScenarioBuilder()
        builder.record("queue", EventKind("queue.lease"), ["order": "a1", "executor": 2, "epoch": "1.2", "lease": 1])
        builder.record("queue", EventKind("queue.lease"), ["order": "a2", "executor": 1, "epoch": "1.2", "lease": 2])
        let report = Scenario.check(builder.events, health: [])
        #expect(report.result("mutual-exclusion")!.violations == 1)
        #expect(Scenario.text(report, "mutual-exclusion").contains("lease 2 granted while lease 1 was still active"))
    }

    @Test func twoClaimantsOfOneEpochBreakElectionSafety() {
        var builder = ScenarioBuilder()
        builder.record("executor-2", EventKind("election.leader"), ["leader": 2, "epoch": "1.2", "self": true])
        builder.record("executor-1", EventKind("election.leader"), ["leader": 1, "epoch": "1.2", "self": true])
        let report = Scenario.check(builder.events, health: [])
        let text = Scenario.text(report, "election-safety")
        #expect(text.contains("two leaders claimed epoch 1.2"))
        #expect(text.contains("executor-1 claimed epoch 1.2, which belongs to executor-2"))
        #expect(report.result("election-safety")!.violations >= 2)
    }

    @Test func epochsGoingBackwardsAndLowerLeaderAtTheEndAreViolations() {
        var builder = ScenarioBuilder()
        builder.record("executor-1", EventKind("election.leader"), ["leader": 2, "epoch": "2.2", "self": false])
        builder.record("executor-1", EventKind("election.leader"), ["leader": 1, "epoch": "1.1", "self": true])
        builder.record("executor-2", EventKind("election.leader"), ["leader": 2, "epoch": "2.2", "self": true])
        let report = Scenario.check(builder.events, health: [])
        let text = Scenario.text(report, "election-safety")
        #expect(text.contains("executor-1 adopted epoch 1.1 after 2.2"))
        #expect(text.contains("live executors do not all follow executor-2"))
    }

    @Test func lostAndDuplicatedOrdersAreReportedLikeJepsen() {
        var events = ScenarioBuilder.cleanFailover().events
        // Lose the last order's queue commit and executor commit.
        events.removeAll {
            ($0.kind.rawValue == "queue.commit" || $0.kind.rawValue == "executor.commit")
                && $0.data["order"]?.stringValue == "2c3d4e5f60718293a4b5c6d7e8f90a1b"
        }
        var report = Scenario.check(events)
        var result = report.result("exactly-once")!
        #expect(result.info["lost"] == 1)
        #expect(Scenario.text(report, "exactly-once").contains("However the queue never commits it"))

        var builder = ScenarioBuilder()
        builder.order("0a1b2c3d4e5f60718293a4b5c6d7e8f9", executor: "executor-2", epoch: "1.2", lease: 1)
        builder.order("0a1b2c3d4e5f60718293a4b5c6d7e8f9", executor: "executor-2", epoch: "1.2", lease: 2)
        report = Scenario.check(builder.events, health: [])
        result = report.result("exactly-once")!
        #expect(result.violations >= 1)
        #expect(result.info["duplicated"]! >= 1)
        #expect(Scenario.text(report, "exactly-once").contains("duplicated"))
    }

    @Test func unapprovedOrderThatIsCommittedIsUnexpected() {
        var events = ScenarioBuilder.cleanFailover().events
        let decision = Scenario.index(events) { $0.kind.rawValue == "order.decision" }
        events[decision].data["status"] = "rejected"
        let report = Scenario.check(events)
        #expect(report.result("exactly-once")!.info["unexpected"] == 1)
        #expect(Scenario.text(report, "exactly-once").contains("decided rejected"))
    }

    @Test func callWithoutReplyInACompleteTraceIsAViolation() {
        var events = ScenarioBuilder.cleanFailover().events
        let reply = Scenario.index(events) { $0.node == "executor-1" && $0.kind == .rpcReplyReceive }
        let msg = events[reply].data["msg"]!.stringValue!
        events.remove(at: reply)
        let report = Scenario.check(events)
        let result = report.result("requests-end")!
        #expect(result.violations == 1)
        #expect(Scenario.text(report, "requests-end").contains("no rpc.reply.receive or rpc.failure"))
        #expect(result.findings[0].events[0].summary.contains(msg))
    }

    @Test func callsInFlightWhenAProcessDiesAreWarnings() {
        var builder = ScenarioBuilder()
        builder.record("executor-1", .rpcSend, ["msg": "executor-1-7-1", "peer": "queue", "method": "lease"])
        builder.pids["executor-1"] = 99
        builder.sequences["executor-1"] = 0
        builder.record("executor-1", .log, ["level": "info", "message": "listening"])
        let report = Scenario.check(builder.events, health: [])
        #expect(report.result("requests-end")!.violations == 0)
        #expect(report.result("requests-end")!.warnings == 1)
        #expect(Scenario.text(report, "requests-end").contains("ended (restart)"))
    }

    @Test func receiveStampedBeforeItsSendIsOnlyAWarning() {
        var events = ScenarioBuilder.cleanFailover().events
        let receive = Scenario.index(events) { $0.node == "queue" && $0.kind == .rpcReceive }
        events[receive].wallTimeNanos -= 2_000_000_000
        let report = Scenario.check(events)
        #expect(report.result("wall-clock-sanity")!.warnings == 1)
        #expect(report.passed)
        #expect(report.exitStatus == 0)
        #expect(Scenario.text(report, "wall-clock-sanity").contains("earlier than ts(E1)"))
        #expect(report.text().contains("OK: no violation (1 warnings)"))
    }

    @Test func jsonReportCarriesTheSameExplanation() throws {
        var events = ScenarioBuilder.cleanFailover().events
        let target = Scenario.index(events) { $0.node == "queue" && $0.sequence == 5 }
        Scenario.setClock(&events, at: target, "queue", 3)
        let json = Scenario.check(events).json()
        #expect(json.contains("\"passed\" : false"))
        #expect(json.contains("\"label\" : \"E2\""))
        #expect(json.contains("However vc(E2)[queue] = 3."))
    }
}
