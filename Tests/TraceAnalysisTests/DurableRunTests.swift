import Causality
import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

extension ScenarioBuilder {
    mutating func queueRecovered(_ orders: [String]) {
        record(
            "queue", EventKind("queue.recovered"),
            ["records": 0, "waiting": .int(Int64(orders.count)), "orders": .array(orders.map { .string($0) })])
    }

    mutating func queueStopped(_ orders: [String]) {
        record(
            "queue", EventKind("queue.stopped"),
            ["waiting": .int(Int64(orders.count)), "orders": .array(orders.map { .string($0) }), "durable": true])
    }
}

private let orderA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
private let orderB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
private let orderC = "cccccccccccccccccccccccccccccccc"
private let orderD = "dddddddddddddddddddddddddddddddd"

@Suite struct DurableRunTests {
    /// Run 1: A committed, B waits in the durable queue at the clean stop, C was approved and is gone.
    static func firstRun() -> [TraceEvent] {
        var builder = ScenarioBuilder()
        builder.queueRecovered([])
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.approve(orderA)
        builder.approve(orderB)
        builder.approve(orderC)
        builder.execute(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        builder.record("queue", EventKind("node.stopping"), ["signal": 15])
        builder.queueStopped([orderB])
        return builder.events
    }

    /// Run 2 on the same data directory: the queue recovers `recovered`, the leader executes `executed`.
    static func secondRun(recovered: [String], executed: [String], stoppedWith: [String] = []) -> [TraceEvent] {
        var builder = ScenarioBuilder()
        builder.queueRecovered(recovered)
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.approve(orderD)
        for (index, id) in (executed + [orderD]).enumerated() {
            builder.execute(id, executor: "executor-2", epoch: "1.2", lease: Int64(index + 1))
        }
        builder.queueStopped(stoppedWith)
        return builder.events
    }

    @Test func anOrderHeldByTheDurableQueueAtTheEndIsWaitingNotLost() {
        let report = CheckEngine.check(Self.firstRun())
        let exactlyOnce = report.result("exactly-once")!
        #expect(exactlyOnce.info["waiting in the durable queue"] == 1)
        #expect(exactlyOnce.info["lost"] == 1, "C is not in the queue's last snapshot: lost")
        #expect(exactlyOnce.violations == 1)
        #expect(exactlyOnce.findings.first?.title.contains(String(orderC.prefix(8))) == true)
        #expect(report.ledger.waiting == [orderB])
        #expect(report.ledger.committed == [orderA])
    }

    @Test func afterACrashWaitingIsTheRecoveredOrdersPlusEnqueuesMinusCommits() {
        var builder = ScenarioBuilder()
        builder.queueRecovered([orderB])
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.approve(orderD)
        builder.execute(orderB, executor: "executor-2", epoch: "1.2", lease: 1)
        var killed = FileHealth(node: "queue", path: "queue.jsonl.gz")
        killed.truncated = true
        let report = CheckEngine.check(builder.events, health: [killed])
        #expect(report.ledger.waiting == [orderD])
        #expect(report.ledger.carried == [orderB])
        #expect(report.passed, "\(report.text())")
    }

    @Test func withoutDurabilityEventsAnUncommittedApprovedOrderIsLost() {
        var builder = ScenarioBuilder()
        builder.approve(orderA)
        let report = CheckEngine.check(builder.events)
        #expect(report.result("exactly-once")!.info["lost"] == 1)
        #expect(report.result("exactly-once")!.info["waiting in the durable queue"] == nil)
        #expect(!report.passed)
    }

    @Test func ordersLeftWaitingAreCommittedOnceInTheNextRun() {
        let first = CheckEngine.check(Self.firstRun())
        let second = CheckEngine.check(Self.secondRun(recovered: [orderB], executed: [orderB]))
        #expect(second.passed, "a carried order is not 'unexpected': \(second.text())")
        #expect(second.ledger.carried == [orderB])
        let together = RunsTogether.check(first, then: second)
        #expect(together.violations == 0)
        #expect(together.info["resumed"] == 1)
    }

    @Test func anOrderWaitingAfterRunOneAndAbsentFromRunTwoIsLost() {
        let first = CheckEngine.check(Self.firstRun())
        let second = CheckEngine.check(Self.secondRun(recovered: [], executed: []))
        let together = RunsTogether.check(first, then: second)
        #expect(together.violations == 1)
        #expect(together.findings.first?.title.contains("lost") == true)
        let stillWaiting = CheckEngine.check(
            Self.secondRun(recovered: [orderB], executed: [], stoppedWith: [orderB]))
        #expect(RunsTogether.check(first, then: stillWaiting).violations == 0, "still waiting is fine")
    }

    @Test func anOrderCommittedInBothRunsIsADuplicate() {
        let first = CheckEngine.check(Self.firstRun())
        let second = CheckEngine.check(Self.secondRun(recovered: [orderA, orderB], executed: [orderA, orderB]))
        let together = RunsTogether.check(first, then: second)
        #expect(together.violations == 1)
        #expect(together.findings.first?.title.contains("committed in both runs") == true)
    }

    @Test func aSupervisorNodeWithOnlyLocalEventsIsAccepted() throws {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.record("supervisor", EventKind("service.restarted"), ["service": "fraud", "status": 9, "restarts": 1])
        builder.order(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        builder.record(
            "supervisor", EventKind("service.gave_up"), ["service": "fraud", "restarts": 10, "window_s": 60])
        let directory = RunFiles.temporaryDirectory("supervisor")
        try RunFiles.write(builder.events, to: directory)
        let report = try RunAnalysis.check(directory: directory)
        #expect(report.passed, "\(report.text())")
        #expect(report.files.map(\.node).contains("supervisor"))
    }

    @Test func aNodeRestartedFromItsStateFileJumpsItsOwnEntryAndPasses() {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.order(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        // The queue restarts: new pid, seq from 1, own entry above the earlier incarnation's reservation.
        builder.pids["queue"] = 9_999
        builder.sequences["queue"] = 0
        var entries = builder.clocks["queue"]!.entries
        entries["queue"]! += 100_000
        builder.clocks["queue"] = VectorClock(entries)
        builder.order(orderB, executor: "executor-2", epoch: "1.2", lease: 2)
        var killed = FileHealth(node: "queue", path: "queue.jsonl.gz")
        killed.truncated = true
        let report = CheckEngine.check(builder.events, health: [killed])
        #expect(report.violationCount == 0, "\(report.text())")
    }

    @Test func aRunWithRotatedSegmentsReadsLikeOneFilePerNode() throws {
        let events = ScenarioBuilder.cleanFailover().events
        let directory = RunFiles.temporaryDirectory("segments")
        for node in Set(events.map(\.node)) {
            let writer = try TraceFileWriter(
                path: TraceSegments.path(node: node, segment: 0, directory: directory), segmentBytes: 1_024,
                memberBytes: 1_024)
            for (index, event) in events.enumerated() where event.node == node {
                writer.append(event)
                if index % 3 == 0 { writer.flush() }
            }
            writer.close()
        }
        let segments = TraceSegments.nodes(in: directory)
        #expect(segments.contains { $0.paths.count > 1 }, "some node rotated")
        let fromFiles = try RunAnalysis.check(directory: directory)
        let inMemory = CheckEngine.check(events, health: [])
        #expect(fromFiles.events == events.count)
        #expect(fromFiles.violationCount == inMemory.violationCount)
        #expect(fromFiles.files.count == Set(events.map(\.node)).count)
        #expect(fromFiles.files.allSatisfy { $0.problems.isEmpty }, "\(fromFiles.files.flatMap(\.problems))")
    }
}

extension DurableRunTests {
    @Test func theSummaryReportsOrdersWaitingInTheDurableQueue() {
        let events = Self.firstRun()
        let summary = RunSummary()
        for event in CausalMerge.merge(events) { summary.observe(event) }
        let text = summary.text(directory: "scenario", health: [], checks: CheckEngine.check(events))
        #expect(text.contains("at the end: 1 waiting in the durable queue, 1 lost"), "\(text)")
    }
}

extension DurableRunTests {
    /// An executor's ack sent while it stopped, after its trace writer closed: the queue's receive has no send in
    /// the executor's (cleanly closed) trace. A warning, not a violation; without `node.stopping` it stays one.
    @Test func aSendRecordedAfterTheSendersCleanStopIsAWarning() {
        for stopping in [true, false] {
            var builder = ScenarioBuilder()
            builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
            builder.order(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
            if stopping { builder.record("executor-2", EventKind("node.stopping"), ["signal": 15]) }
            var late = builder
            late.call("executor-2", "queue", "ack", trace: orderA)
            // Drop the executor's events of that call, as a closed writer does.
            let events = late.events.enumerated().filter { index, event in
                index < builder.events.count || event.node != "executor-2"
            }.map(\.element)
            let report = CheckEngine.check(events, health: [])
            let messages = report.result("receive-matches-send")!
            let future = report.result("no-future-clocks")!
            if stopping {
                #expect(messages.violations == 0 && messages.warnings >= 1, "\(report.text())")
                #expect(future.violations == 0, "\(report.text())")
            } else {
                #expect(messages.violations == 1, "\(report.text())")
            }
        }
    }
}

extension DurableRunTests {
    @Test func leasesOfAQueueProcessEndWithItAndANewProcessMayReuseTheirIds() {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.approve(orderA)
        // Lease 1 granted, then the queue process dies before any commit (supervisor restarts it).
        builder.lease(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        builder.pids["queue"] = 4_242
        builder.sequences["queue"] = 0
        builder.queueRecovered([])
        builder.approve(orderB)
        builder.execute(orderB, executor: "executor-2", epoch: "1.2", lease: 1)
        var killed = FileHealth(node: "queue", path: "queue.jsonl.gz")
        killed.truncated = true
        let report = CheckEngine.check(builder.events, health: [killed])
        let exclusion = report.result("mutual-exclusion")!
        #expect(exclusion.violations == 0, "\(report.text())")
        #expect(exclusion.info["queue restarts"] == 1)
    }
}
