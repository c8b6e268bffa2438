import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import OrderQueueCore
import Testing

/// Long polls: every lease request asks the queue to hold it up to `longPollNanos` (one second here; whole
/// milliseconds on the wire).
private let wait: UInt64 = 1_000_000_000
private let settings = WorkSettings(
    slots: 2, pollNanos: 10_000_000, processingNanos: 100, drainNanos: 5_000_000_000, idlePolls: 20,
    longPollNanos: wait)
private let epoch = Epoch(term: 1, leader: 3)

private func leases(_ directives: [WorkDirective]) -> [(WorkCall, LeaseRequest)] {
    directives.compactMap { if case .lease(let call, let request) = $0 { return (call, request) } else { return nil } }
}

@Suite("WorkMachine long polls")
struct WorkMachineLongPollTests {
    @Test func everySlotAsksTheQueueToHoldItsLeaseRequestForTheLongPollWait() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let requests = leases(machine.onLeadershipGained(epoch, now: 0)).map(\.1)
        #expect(requests == [0, 1].map { LeaseRequest(executor: 3, epoch: epoch, slot: $0, waitMs: 1_000) })
    }

    @Test func noWaitIsAskedWithoutLongPolls() {
        var plain = settings
        plain.longPollNanos = 0
        var machine = WorkMachine(executor: 3, settings: plain)
        #expect(leases(machine.onLeadershipGained(epoch, now: 0)).allSatisfy { $0.1.waitMs == nil })
    }

    @Test func anEmptyAnswerAfterTheQueueHeldTheRequestIsFollowedByTheNextRequestAtOnce() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let calls = leases(machine.onLeadershipGained(epoch, now: 0))
        let next = machine.onLeaseReply(calls[0].0, .empty, now: wait)
        #expect(next.count == 1)
        #expect(leases(next).map(\.1) == [LeaseRequest(executor: 3, epoch: epoch, slot: 0, waitMs: 1_000)])
        #expect(machine.slots[0] != .idle)
    }

    @Test func anIdleLeaderKeepsOnlySlotZerosPollOpenAndALeaseWithMoreOrdersWaitingWakesTheParkedSlots() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let calls = leases(machine.onLeadershipGained(epoch, now: 0))
        // Slot 1's held poll ends empty: it parks with no timer and sends nothing.
        #expect(machine.onLeaseReply(calls[1].0, .empty, now: wait).isEmpty)
        #expect(machine.slots[1] == .idle)
        // Slot 0's held poll ends empty: it asks again at once.
        let again = leases(machine.onLeaseReply(calls[0].0, .empty, now: wait))
        #expect(again.map(\.1) == [LeaseRequest(executor: 3, epoch: epoch, slot: 0, waitMs: 1_000)])
        // An order arrives with another waiting behind it: slot 0 takes it and slot 1 leases again.
        let lease = Lease(
            id: 1, orderId: "a", executor: 3, epoch: epoch, grantedAtNanos: wait + 5, deadlineNanos: 3 * wait,
            delivery: 1)
        let woken = machine.onLeaseReply(again[0].0, .leased(lease, order("a"), depth: 1), now: wait + 5)
        #expect(leases(woken).map(\.1) == [LeaseRequest(executor: 3, epoch: epoch, slot: 1, waitMs: 1_000)])
    }

    @Test func anEmptyAnswerThatCameAtOnceWaitsOutTheIdleTimerSoAQueueThatNeverHoldsIsNotAskedInALoop() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let calls = leases(machine.onLeadershipGained(epoch, now: 0))
        // Less than half the wait: the queue did not hold it (an old queue, its bound reached, its stop).
        let slot0 = machine.onLeaseReply(calls[0].0, .empty, now: wait / 2 - 1)
        #expect(slot0 == [.setTimer(.idle(slot: 0), deadline: wait / 2 - 1 + 10_000_000)])
        let slot1 = machine.onLeaseReply(calls[1].0, .empty, now: 5)
        #expect(slot1 == [.setTimer(.idle(slot: 1), deadline: 5 + 20 * 10_000_000)])
    }

    @Test func aFailedLongPollWaitsLikeAnIdleSlot() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let calls = leases(machine.onLeadershipGained(epoch, now: 0))
        #expect(
            machine.onLeaseFailed(calls[0].0, now: wait + 1) == [
                .setTimer(.idle(slot: 0), deadline: wait + 1 + 10_000_000)
            ])
    }

    @Test func drainingReplacesAHeldLongPollWithARequestAnsweredAtOnceAndGivesBackWhatItCarries() {
        var one = settings
        one.slots = 1
        var machine = WorkMachine(executor: 3, settings: one)
        let held = leases(machine.onLeadershipGained(epoch, now: 0))[0].0
        let drain = machine.onDrain(now: 10)
        let replacement = leases(drain)
        #expect(replacement.map(\.1) == [LeaseRequest(executor: 3, epoch: epoch, slot: 0, waitMs: nil)])
        #expect(drain.contains(.setTimer(.drainDeadline, deadline: 10 + one.drainNanos)))
        // The held request's own answer is forgotten; the replacement's lease (the same one, renewed) is given back.
        let lease = Lease(
            id: 9, orderId: "a", executor: 3, epoch: epoch, grantedAtNanos: 11, deadlineNanos: 2_000, delivery: 1)
        #expect(machine.onLeaseReply(held, .leased(lease, order("a"), depth: 0), now: 11).isEmpty)
        let reply = machine.onLeaseReply(replacement[0].0, .leased(lease, order("a"), depth: 0), now: 12)
        guard case .release(let release, let given)? = reply.first else {
            Issue.record("expected a release, got \(reply)")
            return
        }
        #expect(given.map(\.lease) == [lease])
        #expect(machine.onReleaseDone(release, now: 13) == [.cancelTimer(.drainDeadline), .drained])
    }

    @Test func drainingEndsASlotWhoseReplacementRequestFindsNothing() {
        var one = settings
        one.slots = 1
        var machine = WorkMachine(executor: 3, settings: one)
        _ = machine.onLeadershipGained(epoch, now: 0)
        let replacement = leases(machine.onDrain(now: 10))[0].0
        #expect(machine.onLeaseReply(replacement, .empty, now: 11) == [.cancelTimer(.drainDeadline), .drained])
        #expect(machine.stopped)
    }
}
