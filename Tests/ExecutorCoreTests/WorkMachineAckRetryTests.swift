import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import OrderQueueCore
import Testing

private let epoch = Epoch(term: 1, leader: 3)
/// One slot; acks retried after 10, 20, 40 ns, four attempts at most.
private let settings = WorkSettings(
    slots: 1, pollNanos: 10, processingNanos: 100, drainNanos: 1_000, ackAttempts: 4, ackBackoffNanos: 10)

private func held(_ id: String = "a") -> HeldOrder {
    let order = QueuedOrder(
        orderId: id, priority: OrderPriority(shippingWeight: 1, countryRank: 0), enqueueSequence: 0, enqueuedAtNanos: 0,
        ticket: OrderTicket(orderId: id, items: [], shippingMethod: nil, country: nil))
    // Valid for 2 000 ns at the queue.
    let lease = Lease(
        id: 1, orderId: id, executor: 3, epoch: epoch, grantedAtNanos: 500, deadlineNanos: 2_500, delivery: 1, slot: 0)
    return HeldOrder(lease: lease, order: order, epoch: epoch)
}

private func ackCall(_ directives: [WorkDirective]) -> WorkCall? {
    directives.lazy.compactMap { if case .ack(let call, _) = $0 { return call } else { return nil } }.first
}

/// A machine leading `epoch` whose slot 0 leased `held()` at time 1 and sent its first ack at 101.
private func acking() -> (WorkMachine, WorkCall) {
    var machine = WorkMachine(executor: 3, settings: settings)
    let lease = machine.onLeadershipGained(epoch, now: 0)
    guard case .lease(let leaseCall, _)? = lease.first else { fatalError("no lease call: \(lease)") }
    _ = machine.onLeaseReply(leaseCall, .leased(held().lease, held().order, depth: 0), now: 1)
    let call = ackCall(machine.onTimer(.processing(slot: 0), now: 101))!
    return (machine, call)
}

@Suite("WorkMachine ack retries")
struct WorkMachineAckRetryTests {
    @Test func aFailedAckIsSentAgainAfterABackoffAndTheQueuesAlreadyCommittedUnderItsLeaseCountsAsCommitted() {
        var (machine, first) = acking()
        #expect(machine.onAckFailed(first, now: 150) == [.setTimer(.ackRetry(slot: 0), deadline: 160)])
        #expect(machine.slots[0] == .ackBackoff([held()], attempt: 1))
        #expect(machine.inFlight[0] == [held()], "the order is still held while waiting to retry")
        let retry = machine.onTimer(.ackRetry(slot: 0), now: 160)
        let second = ackCall(retry)
        #expect(retry.count == 1 && second != nil && second != first)
        #expect(
            machine.onAckReply(first, AckAnswer(outcome: .committed), now: 161).isEmpty, "the old call is forgotten")
        let answer = AckAnswer(outcome: .alreadyCommitted, committedLease: held().lease.id)
        let done = machine.onAckReply(second!, answer, now: 170)
        #expect(done.first == .record(.acknowledged(held(), outcome: .committed)))
        #expect(machine.committed == 1)
    }

    @Test func theBackoffDoublesAndAfterTheLastAttemptTheSlotRecordsTheAckUnansweredAndLeasesAgain() {
        var (machine, call) = acking()
        var now: UInt64 = 150
        for (attempt, backoff) in [(1, UInt64(10)), (2, 20), (3, 40)] {
            #expect(machine.onAckFailed(call, now: now) == [.setTimer(.ackRetry(slot: 0), deadline: now + backoff)])
            now += backoff
            call = ackCall(machine.onTimer(.ackRetry(slot: 0), now: now))!
            #expect(machine.slots[0] == .acking([held()], call, attempt: attempt + 1))
        }
        let gaveUp = machine.onAckFailed(call, now: now + 5)
        #expect(gaveUp.first == .record(.ackUnanswered(held(), attempts: 4, reason: .attemptsExhausted)))
        guard gaveUp.count == 2, case .lease = gaveUp[1] else {
            Issue.record("expected the slot to lease again, got \(gaveUp)")
            return
        }
        #expect(machine.committed == 0 && machine.inFlight.isEmpty)
    }

    @Test func noRetryIsSentWhenTheLeaseMayHaveExpiredByThen() {
        var (machine, call) = acking()
        // Leased at 1 for 2 000 ns: a retry at 1 995 + 10 would come after 2 001.
        let gaveUp = machine.onAckFailed(call, now: 1_995)
        #expect(gaveUp.first == .record(.ackUnanswered(held(), attempts: 1, reason: .leaseMayHaveExpired)))
        (machine, call) = acking()
        #expect(machine.onAckFailed(call, now: 1_990) == [.setTimer(.ackRetry(slot: 0), deadline: 2_000)])
    }

    @Test func losingLeadershipEndsTheRetriesOfAnAckWaitingOrUnderWay() {
        var (machine, call) = acking()
        _ = machine.onAckFailed(call, now: 150)
        let lost = machine.onLeadershipLost(now: 155)
        #expect(
            lost == [
                .cancelTimer(.ackRetry(slot: 0)),
                .record(.ackUnanswered(held(), attempts: 1, reason: .leadershipLost)),
            ])
        #expect(machine.onTimer(.ackRetry(slot: 0), now: 160).isEmpty)

        (machine, call) = acking()
        _ = machine.onLeadershipLost(now: 120)
        #expect(
            machine.onAckFailed(call, now: 150) == [
                .record(.ackUnanswered(held(), attempts: 1, reason: .leadershipLost))
            ])
        #expect(machine.activeSlots == 0)
    }

    @Test func theDrainDeadlineGivesBackAnOrderWaitingToRetryItsAck() {
        var (machine, call) = acking()
        _ = machine.onDrain(now: 110)
        _ = machine.onAckFailed(call, now: 150)
        let deadline = machine.onTimer(.drainDeadline, now: 1_110)
        #expect(
            deadline.prefix(2) == [
                .cancelTimer(.ackRetry(slot: 0)), .record(.ackUnanswered(held(), attempts: 1, reason: .drainDeadline)),
            ])
        guard deadline.count == 3, case .release(let release, [held()]) = deadline[2] else {
            Issue.record("expected a release, got \(deadline)")
            return
        }
        #expect(machine.onReleaseDone(release, now: 1_120) == [.drained])
    }
}
