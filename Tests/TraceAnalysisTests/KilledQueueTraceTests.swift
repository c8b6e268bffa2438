import Causality
import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

private let orderA = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"

extension ScenarioBuilder {
    /// The queue process starts again (new pid, seq from 1, own entry above the old incarnation's reservation).
    mutating func restartQueue() {
        pids["queue"] = (pids["queue"] ?? 0) + 7_000
        sequences["queue"] = 0
        var entries = clocks["queue"]?.entries ?? [:]
        entries["queue", default: 0] += 100_000
        clocks["queue"] = VectorClock(entries)
    }
}

/// What a `kill -9` of the queue leaves in its trace: the last few milliseconds of events are gone, though the
/// queue's write-ahead log holds what they recorded (the queue answers only once a record is durable).
@Suite struct KilledQueueTraceTests {
    /// The executor records the queue's "committed" answer, but the queue's `queue.commit` is not in its trace.
    static func commitTracedOnlyByTheExecutor(queueKeptTheAck: Bool = false) -> [TraceEvent] {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.approve(orderA)
        builder.lease(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        let ack = builder.call("executor-2", "queue", "ack", trace: orderA)
        builder.record(
            "executor-2", EventKind("executor.commit"), trace: orderA,
            ["order": .string(orderA), "epoch": "1.2", "term": 1, "lease": 1, "outcome": "committed"])
        // The kill took the queue's last events: its receive of the ack and its reply (the commit went with them).
        if !queueKeptTheAck {
            builder.events.remove(at: ack.replySend)
            builder.events.remove(at: ack.receive)
        }
        return builder.events
    }

    @Test func aCommitTheKilledQueuesTraceLostButTheExecutorRecordedIsAWarningNotALostOrder() {
        var killed = FileHealth(node: "queue", path: "queue.jsonl.gz")
        killed.truncated = true
        let report = CheckEngine.check(Self.commitTracedOnlyByTheExecutor(), health: [killed])
        let exactlyOnce = report.result("exactly-once")!
        #expect(exactlyOnce.violations == 0 && exactlyOnce.warnings == 1, "\(report.text())")
        #expect(exactlyOnce.info["lost"] == 0)
        #expect(report.ledger.committed == [orderA], "committed in this run (for checking the next run)")
        #expect(report.ledger.waiting.isEmpty)

        // The same events with a complete queue trace: the queue never committed it, whatever the executor says.
        let complete = CheckEngine.check(Self.commitTracedOnlyByTheExecutor(), health: [])
        #expect(complete.result("exactly-once")!.violations == 1, "\(complete.text())")
        #expect(complete.ledger.committed.isEmpty)

        // A damaged queue trace excuses only what it lost: an ack the queue traced answering, without a commit
        // before it, is a violation even though the file was cut later.
        let answered = CheckEngine.check(Self.commitTracedOnlyByTheExecutor(queueKeptTheAck: true), health: [killed])
        #expect(answered.result("exactly-once")!.violations == 1, "\(answered.text())")
    }

    /// The queue committed an order durably and was killed before it replied or traced the commit: neither the
    /// queue's nor the executor's trace shows the commit; the restarted queue lists it among the commits it
    /// replayed from its log (`recent_commits`). Committed (a warning naming that evidence), not lost.
    @Test func aCommitOnlyTheRestartedQueuesLogKeptIsAWarningNotALostOrder() {
        func run(recentCommits: [String]) -> CheckReport {
            var builder = ScenarioBuilder()
            builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
            builder.approve(orderA)
            builder.lease(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
            builder.restartQueue()
            builder.record(
                "queue", EventKind("queue.recovered"),
                [
                    "records": 3, "waiting": 0, "orders": .array([]),
                    "recent_commits": .array(recentCommits.map { .string($0) }),
                ])
            var killed = FileHealth(node: "queue", path: "queue.jsonl.gz")
            killed.truncated = true
            return CheckEngine.check(builder.events, health: [killed])
        }
        let replayed = run(recentCommits: [orderA])
        let exactlyOnce = replayed.result("exactly-once")!
        #expect(exactlyOnce.violations == 0 && exactlyOnce.warnings == 1, "\(replayed.text())")
        #expect(replayed.ledger.committed == [orderA])
        #expect(replayed.text().contains("recent_commits"))

        // Without the log's word for it, the order is lost.
        let silent = run(recentCommits: [])
        #expect(silent.result("exactly-once")!.info["lost"] == 1, "\(silent.text())")
    }

    /// The queue traced an enqueue and was killed before the record was durable, so it never answered; the
    /// restarted queue neither holds nor lists the order. When the orchestrator's retry stores it again, that is
    /// one order committed once (not a duplicated enqueue); when nothing stores it again, it is lost.
    @Test(arguments: [true, false])
    func anEnqueueLostWithTheKilledQueuesUnsyncedLogTailIsNotADuplicate(retried: Bool) {
        var builder = ScenarioBuilder()
        builder.queueRecovered([])
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.approve(orderA)
        builder.restartQueue()
        builder.queueRecovered([])
        if retried {
            builder.call("orchestrator", "queue", "enqueue", trace: orderA) { builder in
                builder.record(
                    "queue", EventKind("queue.enqueue"), trace: orderA,
                    ["order": .string(orderA), "depth": 1, "duplicate": false])
            }
            builder.execute(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        }
        var killed = FileHealth(node: "queue", path: "queue.jsonl.gz")
        killed.truncated = true
        let report = CheckEngine.check(builder.events, health: [killed])
        let exactlyOnce = report.result("exactly-once")!
        #expect(exactlyOnce.info["enqueues lost with a killed queue's unsynced log tail"] == 1, "\(exactlyOnce.info)")
        if retried {
            #expect(exactlyOnce.violations == 0, "\(report.text())")
            #expect(exactlyOnce.info["ok"] == 1 && exactlyOnce.info["duplicated"] == 0, "\(exactlyOnce.info)")
        } else {
            #expect(exactlyOnce.info["lost"] == 1 && exactlyOnce.violations == 1, "\(report.text())")
        }
    }

    /// The queue stored an order and was killed before its `queue.enqueue` reached the trace; the restarted queue
    /// recovers it waiting from its log and the leader executes it. Whether the recovery or the orchestrator's
    /// decision comes first in the merge, the order is this run's, stored once and committed once.
    @Test(arguments: [false, true])
    func anOrderWhoseEnqueueEventALostTraceDroppedButTheLogRecoveredIsCommittedOnce(recoveredFirst: Bool) {
        var builder = ScenarioBuilder()
        builder.queueRecovered([])
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.record("orchestrator", .rpcReceive, trace: orderA, ["method": "POST /checkout"])
        builder.call("orchestrator", "queue", "enqueue", trace: orderA)  // its queue.enqueue is lost
        let decide = { (builder: inout ScenarioBuilder) in
            builder.record(
                "orchestrator", EventKind("order.decision"), trace: orderA,
                ["order": .string(orderA), "status": "approved"])
        }
        if !recoveredFirst { decide(&builder) }
        builder.restartQueue()
        builder.queueRecovered([orderA])
        if recoveredFirst { decide(&builder) }
        builder.execute(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        var killed = FileHealth(node: "queue", path: "queue.jsonl.gz")
        killed.truncated = true
        let report = CheckEngine.check(builder.events, health: [killed])
        let exactlyOnce = report.result("exactly-once")!
        #expect(exactlyOnce.violations == 0, "\(report.text())")
        #expect(exactlyOnce.info["ok"] == 1 && exactlyOnce.info["lost"] == 0, "\(exactlyOnce.info)")
        #expect(report.ledger.carried.isEmpty, "approved in this run, not carried from an earlier one")
        #expect(report.ledger.committed == [orderA])
    }

    /// The queue stored an order and was killed before it answered; the restarted queue recovers it and the leader
    /// commits it while the orchestrator retries its enqueue (a duplicate) and only then approves. The order is
    /// this run's (not carried from an earlier one), committed once, whether the first enqueue reached the trace.
    @Test(arguments: [true, false])
    func anOrderCommittedBeforeItsDecisionAfterAQueueRestartIsThisRunsOrder(enqueueTraced: Bool) {
        var builder = ScenarioBuilder()
        builder.queueRecovered([])
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.record("orchestrator", .rpcReceive, trace: orderA, ["method": "POST /checkout"])
        builder.call("orchestrator", "queue", "enqueue", trace: orderA) { builder in
            guard enqueueTraced else { return }
            builder.record(
                "queue", EventKind("queue.enqueue"), trace: orderA,
                ["order": .string(orderA), "depth": 1, "duplicate": false])
        }
        builder.restartQueue()
        builder.queueRecovered([orderA])
        builder.execute(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        builder.call("orchestrator", "queue", "enqueue", trace: orderA) { builder in
            builder.record(
                "queue", EventKind("queue.enqueue"), trace: orderA,
                ["order": .string(orderA), "depth": 0, "duplicate": true])
        }
        builder.record(
            "orchestrator", EventKind("order.decision"), trace: orderA,
            ["order": .string(orderA), "status": "approved"])
        var killed = FileHealth(node: "queue", path: "queue.jsonl.gz")
        killed.truncated = true
        let report = CheckEngine.check(builder.events, health: [killed])
        let exactlyOnce = report.result("exactly-once")!
        #expect(exactlyOnce.violations == 0, "\(report.text())")
        #expect(exactlyOnce.info["ok"] == 1, "\(exactlyOnce.info)")
        #expect(report.ledger.carried.isEmpty, "approved in this run, not carried from an earlier one")
        #expect(report.ledger.committed == [orderA])
    }

    /// The orchestrator's enqueue reached the queue, which was killed while handling it: the call fails
    /// `unavailable` (connection reset) although the request was received. That receive matches the send.
    @Test func aRequestReceivedByAServerKilledBeforeItRepliedMatchesItsSendThoughTheCallFailedUnavailable() {
        var builder = ScenarioBuilder()
        builder.messageCounters["orchestrator"] = 1
        let msg = "orchestrator-\(builder.pids["orchestrator"] ?? 0)-1"
        let data: [String: TraceValue] = ["msg": .string(msg), "peer": "queue", "method": "enqueue"]
        let send = builder.record("orchestrator", .rpcSend, trace: orderA, data)
        var failure = data
        failure["status"] = "unavailable"
        failure["error"] = "queue.enqueue: unavailable: Recv failure: Connection reset by peer"
        builder.record("orchestrator", .rpcFailure, trace: orderA, failure)
        var received = data
        received["peer"] = "orchestrator"
        builder.record("queue", .rpcReceive, merging: builder.events[send].clock, trace: orderA, received)
        // A second request fails before reaching anyone: counted as never delivered.
        builder.record("orchestrator", .rpcSend, ["msg": "orchestrator-x-2", "peer": "queue"])
        builder.record(
            "orchestrator", .rpcFailure, ["msg": "orchestrator-x-2", "peer": "queue", "status": "unavailable"])
        var killed = FileHealth(node: "queue", path: "queue.jsonl.gz")
        killed.truncated = true
        let report = CheckEngine.check(builder.events, health: [killed])
        let messages = report.result("receive-matches-send")!
        #expect(messages.violations == 0 && messages.warnings == 0, "\(report.text())")
        #expect(messages.info["requests never delivered (unavailable)"] == 1, "\(messages.info)")
        #expect(messages.info["sends never received"] == nil)
    }
}
