import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import OrderQueueCore
import Testing

private let configuration = BullyConfiguration(
    heartbeatInterval: 50, leaderTimeout: 200, electionTimeout: 60, coordinatorTimeout: 200)
private let work = WorkSettings(slots: 2, pollNanos: 10, processingNanos: 100, drainNanos: 1_000, longPollNanos: 0)

private func leases(_ directives: [ExecutorDirective]) -> [(WorkCall, LeaseRequest)] {
    directives.compactMap { if case .lease(let call, let request) = $0 { return (call, request) } else { return nil } }
}

private func leaderRecords(_ directives: [ExecutorDirective]) -> [(Epoch, Bool)] {
    directives.compactMap {
        if case .record(.leader(let epoch, let leading)) = $0 { return (epoch, leading) } else { return nil }
    }
}

/// Executor 2 of 1, 2, 3 started and elected (executor 3 silent); the directives of its start and election.
private func leader() -> (ExecutorInstance, [ExecutorDirective]) {
    var instance = ExecutorInstance(id: 2, peers: [1, 2, 3], election: configuration, work: work)
    var directives = instance.start(now: 0)
    if leaderRecords(directives).isEmpty {
        directives += instance.onTimer(.election(.electionTimeout), now: configuration.electionTimeout)
    }
    return (instance, directives)
}

@Suite("ExecutorInstance")
struct ExecutorInstanceTests {
    @Test func gainingLeadershipStartsEverySlotLeasingUnderTheNewEpoch() throws {
        let (instance, directives) = leader()
        let (epoch, leading) = try #require(leaderRecords(directives).first)
        #expect(leading && epoch.leader == 2 && epoch.term >= 1)
        #expect(instance.work.leading == epoch)
        let calls = leases(directives)
        #expect(calls.map(\.1) == [0, 1].map { LeaseRequest(executor: 2, epoch: epoch, slot: $0) })
        // The leader record comes before the work it starts (the trace shows leadership, then leases).
        let leaderIndex = try #require(directives.firstIndex { if case .record(.leader) = $0 { true } else { false } })
        let leaseIndex = try #require(directives.firstIndex { if case .lease = $0 { true } else { false } })
        #expect(leaderIndex < leaseIndex)
    }

    @Test func aFollowerLearningAnotherLeaderDoesNotWork() {
        var instance = ExecutorInstance(id: 1, peers: [1, 2, 3], election: configuration, work: work)
        _ = instance.start(now: 0)
        let directives = instance.onMessage(.coordinator(Epoch(term: 1, leader: 3)), from: 3, now: 5)
        #expect(leaderRecords(directives).map(\.1) == [false])
        #expect(leases(directives).isEmpty && instance.work.leading == nil && instance.work.activeSlots == 0)
    }

    @Test func steppingDownForANewerCoordinatorStopsEverySlot() throws {
        var (instance, directives) = leader()
        let epoch = try #require(instance.work.leading)
        let calls = leases(directives)
        let lease = Lease(
            id: 1, orderId: "a", executor: 2, epoch: epoch, grantedAtNanos: 0, deadlineNanos: 2_000, delivery: 1,
            slot: 0)
        _ = instance.onLeaseReply(calls[0].0, .leased(lease, order("a"), depth: 0), now: 100)
        #expect(instance.work.activeSlots == 2)
        let newer = Epoch(term: epoch.term + 1, leader: 3)
        directives = instance.onMessage(.coordinator(newer), from: 3, now: 110)
        #expect(directives.contains(.record(.steppedDown(from: epoch, newer: newer))))
        #expect(directives.contains(.cancelTimer(.work(.processing(slot: 0)))))
        #expect(leases(directives).isEmpty)
        #expect(instance.work.leading == nil && instance.work.activeSlots == 0 && !instance.election.isLeader)
        // The lease answer still under way for slot 1 is ignored.
        #expect(instance.onLeaseReply(calls[1].0, .empty, now: 120).isEmpty)
    }

    @Test func aFencingReplyFromTheQueueStepsTheLeaderDown() throws {
        var (instance, directives) = leader()
        let epoch = try #require(instance.work.leading)
        let newer = Epoch(term: epoch.term + 3, leader: 3)
        directives = instance.onLeaseReply(leases(directives)[0].0, .fenced(by: newer), now: 100)
        #expect(directives.contains(.record(.steppedDown(from: epoch, newer: newer))))
        #expect(instance.election.highestSeen == newer && !instance.election.isLeader)
        #expect(instance.work.leading == nil && instance.work.activeSlots == 0)
    }

    @Test func aFencingEpochNamingAnUnknownLeaderIsIgnoredAndTheLeaderKeepsWorking() throws {
        var (instance, directives) = leader()
        let epoch = try #require(instance.work.leading)
        let unknown = Epoch(term: epoch.term + 3, leader: 9)
        directives = instance.onLeaseReply(leases(directives)[0].0, .fenced(by: unknown), now: 100)
        #expect(directives == [.record(.ignoredFencing(unknown))])
        #expect(instance.election.isLeader && instance.work.leading == epoch)
    }

    @Test func anAckGivenUpIsTracedAsAnUnansweredExecutorCommit() throws {
        let lease = Lease(
            id: 7, orderId: "a", executor: 3, epoch: Epoch(term: 1, leader: 3), grantedAtNanos: 0, deadlineNanos: 10,
            delivery: 1, slot: 0)
        let held = HeldOrder(lease: lease, order: order("a"), epoch: lease.epoch)
        let trace = try #require(
            ExecutorEvent.ackUnanswered(held, attempts: 2, reason: .attemptsExhausted).trace)
        #expect(trace.kind == ExecutorCommit.kind)
        #expect(trace.data["outcome"] == .string(ExecutorCommit.unanswered) && trace.data["lease"] == .int(7))
        #expect(trace.order?.orderId == "a")
    }
}
