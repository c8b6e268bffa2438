import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import OrderQueueCore
import Testing

/// Polling without long polls (the queue answers at once); `WorkMachineLongPollTests` covers long polls.
private let settings = WorkSettings(
    slots: 2, pollNanos: 10, processingNanos: 100, drainNanos: 1_000, idlePolls: 20, longPollNanos: 0)
private let epoch = Epoch(term: 1, leader: 3)

private func lease(_ id: UInt64, _ orderId: String, slot: Int) -> Lease {
    Lease(
        id: id, orderId: orderId, executor: 3, epoch: epoch, grantedAtNanos: 0, deadlineNanos: 2_000, delivery: 1,
        slot: slot)
}

private func leaseCalls(_ directives: [WorkDirective]) -> [WorkCall] {
    directives.compactMap { if case .lease(let call, _) = $0 { return call } else { return nil } }
}

private func ackCalls(_ directives: [WorkDirective]) -> [WorkCall] {
    directives.compactMap { if case .ack(let call, _) = $0 { return call } else { return nil } }
}

@Suite("WorkMachine")
struct WorkMachineTests {
    @Test func gainingLeadershipLeasesOnEverySlotUnderItsEpoch() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let directives = machine.onLeadershipGained(epoch, now: 0)
        #expect(
            directives == [
                .lease(WorkCall(id: 1, slot: 0), LeaseRequest(executor: 3, epoch: epoch, slot: 0)),
                .lease(WorkCall(id: 2, slot: 1), LeaseRequest(executor: 3, epoch: epoch, slot: 1)),
            ])
    }

    @Test func aLeasedOrderIsProcessedThenAcknowledgedAndTheSlotLeasesAgain() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let call = leaseCalls(machine.onLeadershipGained(epoch, now: 0))[0]
        let held = HeldOrder(lease: lease(7, "a", slot: 0), order: order("a"), epoch: epoch)
        let leased = machine.onLeaseReply(call, .leased(held.lease, held.order, depth: 0), now: 5)
        #expect(leased == [.record(.dequeued(held)), .setTimer(.processing(slot: 0), deadline: 105)])
        let ack = machine.onTimer(.processing(slot: 0), now: 105)
        #expect(ack.count == 1)
        let ackCall = ackCalls(ack)[0]
        let done = machine.onAckReply(ackCall, AckAnswer(outcome: .committed), now: 110)
        #expect(done.first == .record(.acknowledged(held, outcome: .committed)))
        #expect(leaseCalls(done).count == 1)
        #expect(machine.committed == 1)
    }

    @Test func anIdleSlotOtherThanZeroWaitsTwentyPollsUnlessMoreOrdersWait() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let calls = leaseCalls(machine.onLeadershipGained(epoch, now: 0))
        #expect(machine.onLeaseReply(calls[0], .empty, now: 1) == [.setTimer(.idle(slot: 0), deadline: 11)])
        #expect(machine.onLeaseReply(calls[1], .empty, now: 1) == [.setTimer(.idle(slot: 1), deadline: 201)])
        let next = leaseCalls(machine.onTimer(.idle(slot: 0), now: 11))[0]
        let woken = machine.onLeaseReply(next, .leased(lease(1, "a", slot: 0), order("a"), depth: 3), now: 12)
        #expect(woken.contains(.cancelTimer(.idle(slot: 1))))
        #expect(leaseCalls(woken).map(\.slot) == [1])
    }

    @Test func aFencedLeaseEndsTheSlotAndReportsTheNewerEpoch() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let call = leaseCalls(machine.onLeadershipGained(epoch, now: 0))[0]
        let newer = Epoch(term: 2, leader: 1)
        #expect(machine.onLeaseReply(call, .fenced(by: newer), now: 1) == [.fenced(by: newer)])
        #expect(machine.slots[0] == .off)
    }

    @Test func answersToForgottenCallsAreIgnored() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let call = leaseCalls(machine.onLeadershipGained(epoch, now: 0))[0]
        _ = machine.onLeadershipLost(now: 1)
        #expect(machine.onLeaseReply(call, .leased(lease(1, "a", slot: 0), order("a"), depth: 0), now: 2).isEmpty)
        #expect(machine.inFlight.isEmpty)
    }

    @Test func losingLeadershipAbandonsProcessingButAnAckUnderWayStillRecordsItsOutcome() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let calls = leaseCalls(machine.onLeadershipGained(epoch, now: 0))
        let a = HeldOrder(lease: lease(1, "a", slot: 0), order: order("a"), epoch: epoch)
        let b = HeldOrder(lease: lease(2, "b", slot: 1), order: order("b"), epoch: epoch)
        _ = machine.onLeaseReply(calls[0], .leased(a.lease, a.order, depth: 0), now: 1)
        _ = machine.onLeaseReply(calls[1], .leased(b.lease, b.order, depth: 0), now: 50)
        let ack = ackCalls(machine.onTimer(.processing(slot: 0), now: 101))[0]
        let lost = machine.onLeadershipLost(now: 102)
        #expect(lost == [.cancelTimer(.processing(slot: 1))])
        let done = machine.onAckReply(ack, AckAnswer(outcome: .fenced, fencedBy: Epoch(term: 2, leader: 1)), now: 103)
        #expect(done == [.record(.acknowledged(a, outcome: .fenced)), .fenced(by: Epoch(term: 2, leader: 1))])
        #expect(machine.activeSlots == 0)
    }

    @Test func drainingLetsInFlightOrdersFinishThenEnds() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let calls = leaseCalls(machine.onLeadershipGained(epoch, now: 0))
        let a = HeldOrder(lease: lease(1, "a", slot: 0), order: order("a"), epoch: epoch)
        _ = machine.onLeaseReply(calls[0], .leased(a.lease, a.order, depth: 0), now: 1)
        _ = machine.onLeaseReply(calls[1], .empty, now: 1)
        let drain = machine.onDrain(now: 2)
        #expect(drain == [.cancelTimer(.idle(slot: 1)), .setTimer(.drainDeadline, deadline: 1_002)])
        let ack = ackCalls(machine.onTimer(.processing(slot: 0), now: 101))[0]
        let done = machine.onAckReply(ack, AckAnswer(outcome: .committed), now: 105)
        #expect(done == [.record(.acknowledged(a, outcome: .committed)), .cancelTimer(.drainDeadline), .drained])
        #expect(machine.stopped)
        #expect(machine.onLeadershipGained(epoch, now: 106).isEmpty)
    }

    @Test func aLeaseArrivingDuringADrainIsGivenBack() {
        var machine = WorkMachine(
            executor: 3,
            settings: WorkSettings(slots: 1, pollNanos: 10, processingNanos: 100, drainNanos: 1_000, longPollNanos: 0))
        let call = leaseCalls(machine.onLeadershipGained(epoch, now: 0))[0]
        _ = machine.onDrain(now: 1)
        let a = HeldOrder(lease: lease(1, "a", slot: 0), order: order("a"), epoch: epoch)
        let reply = machine.onLeaseReply(call, .leased(a.lease, a.order, depth: 0), now: 2)
        guard case .release(let release, let held)? = reply.first else {
            Issue.record("expected a release, got \(reply)")
            return
        }
        #expect(held == [a])
        #expect(machine.onReleaseDone(release, now: 3) == [.cancelTimer(.drainDeadline), .drained])
    }

    @Test func theDrainDeadlineGivesBackWhatIsStillHeld() {
        var machine = WorkMachine(
            executor: 3,
            settings: WorkSettings(slots: 1, pollNanos: 10, processingNanos: 5_000, drainNanos: 1_000, longPollNanos: 0)
        )
        let call = leaseCalls(machine.onLeadershipGained(epoch, now: 0))[0]
        let a = HeldOrder(lease: lease(1, "a", slot: 0), order: order("a"), epoch: epoch)
        _ = machine.onLeaseReply(call, .leased(a.lease, a.order, depth: 0), now: 1)
        _ = machine.onDrain(now: 2)
        let deadline = machine.onTimer(.drainDeadline, now: 1_002)
        guard deadline.count == 2, case .release(let release, [a]) = deadline[1] else {
            Issue.record("expected the processing timer cancelled and a release, got \(deadline)")
            return
        }
        #expect(machine.onReleaseDone(release, now: 1_003) == [.drained])
    }
}

@Suite("WorkMachine acknowledgements")
struct WorkMachineAckTests {
    @Test func aRepeatedAckOfTheSlotsOwnCommittedLeaseCountsAsCommittedAndAnotherLeasesDoesNot() {
        for (committedLease, expected) in [(UInt64(1), AckOutcome.committed), (UInt64(9), .alreadyCommitted)] {
            var machine = WorkMachine(
                executor: 3,
                settings: WorkSettings(
                    slots: 1, pollNanos: 10, processingNanos: 100, drainNanos: 1_000, longPollNanos: 0))
            let call = leaseCalls(machine.onLeadershipGained(epoch, now: 0))[0]
            let a = HeldOrder(lease: lease(1, "a", slot: 0), order: order("a"), epoch: epoch)
            _ = machine.onLeaseReply(call, .leased(a.lease, a.order, depth: 0), now: 1)
            let ack = ackCalls(machine.onTimer(.processing(slot: 0), now: 101))[0]
            let answer = AckAnswer(outcome: .alreadyCommitted, committedLease: committedLease)
            #expect(machine.onAckReply(ack, answer, now: 102).first == .record(.acknowledged(a, outcome: expected)))
            #expect(machine.committed == (expected == .committed ? 1 : 0))
        }
    }
}
