import Causality
import ClusterProtocol
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

private let orderA = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
private let orderB = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"

/// Replies lost after the server acted (the simulator drops and delays replies): what the checks make of them.
@Suite struct LostReplyTests {
    /// Order A executed and committed by executor-2 under lease 1; its `executor.commit`'s fields replaced by
    /// `executorRecord` (the event removed when nil).
    static func committedOrder(executorRecord: [String: TraceValue]?) -> [TraceEvent] {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.order(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        let index = builder.events.lastIndex { $0.kind.rawValue == "executor.commit" }!
        if let executorRecord {
            builder.events[index].data = executorRecord
        } else {
            builder.events.remove(at: index)
        }
        return builder.events
    }

    static func unanswered(lease: UInt64) -> [String: TraceValue] {
        ExecutorCommit(
            order: orderA, epoch: ScenarioBuilder.epoch("1.2"), lease: lease, outcome: ExecutorCommit.unanswered
        )
        .encoded()
    }

    @Test func aCommitWhoseExecutorRecordedEveryAckUnansweredIsAWarningNotADisagreement() {
        let report = CheckEngine.check(Self.committedOrder(executorRecord: Self.unanswered(lease: 1)), health: [])
        let result = report.result("exactly-once")!
        #expect(result.violations == 0 && result.warnings == 1, "\(report.text())")
        #expect(result.info["duplicated"] == 0 && result.info["ok"] == 1)
        #expect(result.findings.flatMap { $0.textLines() }.joined().contains("never heard back"))
    }

    @Test func aCommitWithoutAnyExecutorRecordOrWithAnotherLeasesUnansweredAckIsStillAViolation() {
        for events in [
            Self.committedOrder(executorRecord: nil), Self.committedOrder(executorRecord: Self.unanswered(lease: 9)),
        ] {
            let report = CheckEngine.check(events, health: [])
            #expect(report.result("exactly-once")!.violations == 1, "\(report.text())")
        }
    }

    /// executor-2 leased order A from the queue's first process; the queue restarted (revoking the lease) and granted
    /// order B to executor-3; executor-2's dequeue of A, concurrent with executor-3's, is traced after the restart.
    static func dequeueOfARevokedLeaseAfterARestart(commitsIt: Bool) -> [TraceEvent] {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.approve(orderA)
        builder.approve(orderB)
        builder.lease(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        // A new queue process whose clock goes on where the old one's ended (the simulator's queue keeps its clock).
        builder.pids["queue"] = (builder.pids["queue"] ?? 0) + 7_000
        builder.sequences["queue"] = 0
        builder.record(
            "queue",
            QueueRecovered(
                records: 3, waiting: 2, committed: 0, revoked: 1, highestEpoch: ScenarioBuilder.epoch("1.2"),
                replayMs: nil, damaged: nil, orders: [orderA, orderB], recentCommits: []))
        builder.elect("executor-3", epoch: "2.3", follower: "executor-1")
        builder.execute(orderB, executor: "executor-3", epoch: "2.3", lease: 2)
        // executor-2 goes on with events of its own (so the merge, by clock sum, puts its dequeue after the restart).
        for tick in 0..<60 { builder.record("executor-2", TestTick(index: Int64(tick))) }
        let epoch = ScenarioBuilder.epoch("1.2")
        builder.record(
            "executor-2", ExecutorDequeue(order: orderA, epoch: epoch, lease: 1, delivery: 1, slot: nil), trace: orderA)
        if commitsIt {
            builder.record(
                "executor-2", ExecutorCommit(order: orderA, epoch: epoch, lease: 1, outcome: QueueAck.committed),
                trace: orderA)
        }
        return builder.events
    }

    @Test func aDequeueOfALeaseTheQueuesRestartEndedIsSerialisedByFencingUnlessItIsCommitted() {
        let report = CheckEngine.check(Self.dequeueOfARevokedLeaseAfterARestart(commitsIt: false), health: [])
        let result = report.result("mutual-exclusion")!
        #expect(result.violations == 0 && result.warnings == 1, "\(report.text())")
        #expect(Scenario.text(report, "mutual-exclusion").contains("serialised by fencing"))

        let committed = CheckEngine.check(Self.dequeueOfARevokedLeaseAfterARestart(commitsIt: true), health: [])
        #expect(committed.result("mutual-exclusion")!.violations == 1, "\(committed.text())")
    }
}
