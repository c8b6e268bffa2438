import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import OrderQueueCore
import Testing

/// Acks that carry the slot's next lease request (`WorkSettings.ackCarriesLease`).
private let settings = WorkSettings(
    slots: 1, pollNanos: 10, processingNanos: 100, drainNanos: 1_000, idlePolls: 20, longPollNanos: 1_000_000,
    ackCarriesLease: true)
private let epoch = Epoch(term: 1, leader: 3)

private func held(_ id: UInt64, _ orderId: String) -> HeldOrder { heldOrder(id, orderId, epoch: epoch) }

private func leases(_ directives: [WorkDirective]) -> [(WorkCall, LeaseRequest)] {
    directives.compactMap { if case .lease(let call, let request) = $0 { (call, request) } else { nil } }
}

private func combined(_ directives: [WorkDirective]) -> [(WorkCall, [HeldOrder], LeaseRequest)] {
    directives.compactMap {
        if case .ackAndLease(let call, let held, let next) = $0 { (call, held, next) } else { nil }
    }
}

/// A machine leading `epoch` whose slot 0 has processed order "a" (lease 7) and sent its ack.
private func acking(_ settings: WorkSettings = settings) -> (WorkMachine, [WorkDirective]) {
    var machine = WorkMachine(executor: 3, settings: settings)
    let call = leases(machine.onLeadershipGained(epoch, now: 0))[0].0
    let a = held(7, "a")
    _ = machine.onLeaseReply(call, .leased(a.lease, a.order, depth: 0), now: 1)
    let directives = machine.onTimer(.processing(slot: 0), now: 101)
    return (machine, directives)
}

@Suite("WorkMachine: acks that lease the next order")
struct WorkMachineAckAndLeaseTests {
    @Test func theAckCarriesTheSlotsNextLeaseRequestWithoutAWait() {
        let (_, directives) = acking()
        let calls = combined(directives)
        #expect(calls.count == 1 && directives.count == 1)
        #expect(calls.first?.1 == [held(7, "a")])
        #expect(calls.first?.2 == LeaseRequest(executor: 3, epoch: epoch, slot: 0, waitMs: nil))
        let (_, plain) = acking(WorkSettings(slots: 1, pollNanos: 10, processingNanos: 100, drainNanos: 1_000))
        #expect(combined(plain).isEmpty && plain.count == 1, "off by default: a plain ack")
    }

    @Test func anOrderLeasedWithTheAckIsProcessedWithoutALeaseCall() {
        var (machine, directives) = acking()
        let call = combined(directives)[0].0
        let b = held(8, "b")
        let reply = machine.onAckReply(
            call, AckAnswer(outcome: .committed, committedLease: 7), next: .leased(b.lease, b.order, depth: 0),
            now: 110)
        #expect(
            reply == [
                .record(.acknowledged(held(7, "a"), outcome: .committed)), .record(.dequeued(b)),
                .setTimer(.processing(slot: 0), deadline: 210),
            ])
        #expect(machine.committed == 1 && machine.inFlight[0] == [b])
    }

    /// Nothing to lease with the ack (or a queue that does not lease with acks): the slot asks with a long poll
    /// at once, not after an idle timer.
    @Test func anEmptyOrMissingLeasePartIsFollowedByALongPollAtOnce() {
        for next in [LeaseAnswer.empty, nil] {
            var (machine, directives) = acking()
            let call = combined(directives)[0].0
            let reply = machine.onAckReply(call, AckAnswer(outcome: .committed), next: next, now: 110)
            let asked = leases(reply)
            #expect(asked.count == 1 && asked.first?.1.waitMs == 1, "\(String(describing: next))")
            #expect(reply.first == .record(.acknowledged(held(7, "a"), outcome: .committed)))
        }
    }

    /// A repeated ack after a lost reply: the queue answers `already_committed` under the slot's own lease and the
    /// lease `renewed`; the machine counts one commit and processes the lease.
    @Test func aRetriedAckAndLeaseAfterALostReplyCountsOneCommit() {
        var quick = settings
        quick.ackBackoffNanos = 10
        var (machine, directives) = acking(quick)
        let first = combined(directives)[0].0
        let retry = machine.onAckFailed(first, now: 110)
        #expect(retry == [.setTimer(.ackRetry(slot: 0), deadline: 120)])
        let again = combined(machine.onTimer(.ackRetry(slot: 0), now: 120))
        #expect(again.count == 1 && again.first?.2.slot == 0)
        let b = held(8, "b")
        let reply = machine.onAckReply(
            again[0].0, AckAnswer(outcome: .alreadyCommitted, committedLease: 7),
            next: .leased(b.lease, b.order, depth: 0), now: 170)
        #expect(reply.first == .record(.acknowledged(held(7, "a"), outcome: .committed)))
        #expect(machine.committed == 1 && machine.inFlight[0] == [b])
    }

    @Test func aFencedAckIgnoresTheLeasePartAndReportsTheNewerEpoch() {
        var (machine, directives) = acking()
        let newer = Epoch(term: 2, leader: 1)
        let reply = machine.onAckReply(
            combined(directives)[0].0, AckAnswer(outcome: .fenced, fencedBy: newer), next: .fenced(by: newer),
            now: 110)
        #expect(reply.filter { $0 == .fenced(by: newer) }.count == 1)
        #expect(!reply.contains { if case .record(.dequeued) = $0 { true } else { false } })
    }

    /// A clean stop that began while the ack was under way gives back the order leased with it.
    @Test func anOrderLeasedWithTheAckDuringADrainIsGivenBack() {
        var (machine, directives) = acking()
        _ = machine.onDrain(now: 105)
        let b = held(8, "b")
        let reply = machine.onAckReply(
            combined(directives)[0].0, AckAnswer(outcome: .committed), next: .leased(b.lease, b.order, depth: 0),
            now: 110)
        #expect(reply.contains { if case .release(_, [b]) = $0 { true } else { false } })
        #expect(!reply.contains { if case .record(.dequeued) = $0 { true } else { false } })
    }

    @Test func whileDrainingAnAckCarriesNoLeaseRequest() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let call = leases(machine.onLeadershipGained(epoch, now: 0))[0].0
        let a = held(7, "a")
        _ = machine.onLeaseReply(call, .leased(a.lease, a.order, depth: 0), now: 1)
        _ = machine.onDrain(now: 50)
        let directives = machine.onTimer(.processing(slot: 0), now: 101)
        #expect(combined(directives).isEmpty)
        #expect(directives.contains { if case .ack(_, [a]) = $0 { true } else { false } })
    }
}
