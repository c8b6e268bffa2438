import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import OrderQueueCore
import Testing

/// Batch leases: acks that lease up to `leaseBatch` orders for their slot, processed together and acknowledged in
/// one call (`WorkSettings.leaseBatch`).
private let settings = WorkSettings(
    slots: 1, pollNanos: 10, processingNanos: 100, drainNanos: 1_000, idlePolls: 20, ackAttempts: 3,
    ackBackoffNanos: 10, longPollNanos: 1_000_000, ackCarriesLease: true, leaseBatch: 4)
private let epoch = Epoch(term: 1, leader: 3)

private func held(_ id: UInt64, _ orderId: String) -> HeldOrder { heldOrder(id, orderId, epoch: epoch) }

private func acks(_ directives: [WorkDirective]) -> [(WorkCall, [HeldOrder], LeaseRequest?)] {
    directives.compactMap {
        switch $0 {
        case .ackAndLease(let call, let held, let next): (call, held, next)
        case .ack(let call, let held): (call, held, nil)
        default: nil
        }
    }
}

private func recorded(_ directives: [WorkDirective]) -> [WorkEvent] {
    directives.compactMap { if case .record(let event) = $0 { event } else { nil } }
}

private let batch = [held(8, "b"), held(9, "c"), held(10, "d")]

private func leaseCalls(_ directives: [WorkDirective]) -> [WorkCall] {
    directives.compactMap { if case .lease(let call, _) = $0 { call } else { nil } }
}

/// A machine leading `epoch` whose slot 0 processed "a" (lease 7, 3 more orders waiting) and sent its ack: the
/// ack's call.
private func ackingA() -> (WorkMachine, WorkCall) {
    var machine = WorkMachine(executor: 3, settings: settings)
    let leaseCall = leaseCalls(machine.onLeadershipGained(epoch, now: 0))[0]
    let a = held(7, "a")
    _ = machine.onLeaseReply(leaseCall, .leased(a.lease, a.order, depth: 3), now: 1)
    let call = acks(machine.onTimer(.processing(slot: 0), now: 101))[0].0
    return (machine, call)
}

/// The queue's reply to a's ack: committed, and the batch b, c, d (leases 8…10) leased with it.
private func answerWithBatch(_ machine: inout WorkMachine, _ call: WorkCall) -> [WorkDirective] {
    machine.onAckReply(
        call, AckAnswer(outcome: .committed), next: .leased(batch[0].lease, batch[0].order, depth: 0),
        nextMore: batch.dropFirst().map { LeasedOrder(lease: $0.lease, order: $0.order) }, now: 110)
}

/// A machine that got the batch b, c, d with a's ack, processed it and sent its ack (the returned directives).
private func ackingBatch() -> (WorkMachine, [WorkDirective]) {
    var (machine, call) = ackingA()
    _ = answerWithBatch(&machine, call)
    let directives = machine.onTimer(.processing(slot: 0), now: 210)
    return (machine, directives)
}

@Suite("WorkMachine: batch leases")
struct WorkMachineBatchTests {
    @Test func theAckAsksForABatchAndTheBatchIsProcessedTogetherAndAcknowledgedInOneCall() {
        var machine = WorkMachine(executor: 3, settings: settings)
        let leaseCall = machine.onLeadershipGained(epoch, now: 0).compactMap {
            if case .lease(let call, let request) = $0 { (call, request) } else { nil }
        }[0]
        #expect(leaseCall.1.batch == nil, "a plain lease call (a long poll) takes one order")
        let a = held(7, "a")
        _ = machine.onLeaseReply(leaseCall.0, .leased(a.lease, a.order, depth: 3), now: 1)
        let first = acks(machine.onTimer(.processing(slot: 0), now: 101))
        #expect(first.count == 1 && first[0].2?.batch == 4)
        let reply = answerWithBatch(&machine, first[0].0)
        #expect(recorded(reply) == [.acknowledged(a, outcome: .committed)] + batch.map { .dequeued($0) })
        #expect(reply.filter { if case .setTimer(.processing, _) = $0 { true } else { false } }.count == 1)
        #expect(machine.inFlight[0] == batch)
        let second = acks(machine.onTimer(.processing(slot: 0), now: 210))
        #expect(second.count == 1 && second[0].1 == batch, "one ack call for the whole batch")
        let params = AckRequest(second[0].1, executor: 3)
        #expect(params.orderId == "b")
        #expect(params.more == [AckItem(orderId: "c", leaseId: 9), AckItem(orderId: "d", leaseId: 10)])
    }

    @Test func aBatchReplyHoldsOnlyLeasesOfThisSlotEachOrderOnceAndAtMostTheBatch() {
        var (machine, call) = ackingA()
        let otherSlot = heldOrder(11, "e", epoch: epoch, slot: 1)
        let otherEpoch = heldOrder(12, "f", epoch: Epoch(term: 2, leader: 3))
        let repeated = held(13, "b")
        var mismatched = held(14, "g")
        mismatched.lease.orderId = "h"
        let extra = [otherSlot, otherEpoch, repeated, mismatched, held(15, "i"), held(16, "j"), held(17, "k")]
        _ = machine.onAckReply(
            call, AckAnswer(outcome: .committed), next: .leased(batch[0].lease, batch[0].order, depth: 0),
            nextMore: extra.map { LeasedOrder(lease: $0.lease, order: $0.order) }, now: 110)
        #expect(
            machine.inFlight[0]?.map(\.order.orderId) == ["b", "i", "j", "k"],
            "another slot's, another epoch's, a repeated and a mismatched lease are not held; at most 4 orders")
    }

    @Test func aPartialBatchAckRecordsEachOrdersOwnOutcome() {
        var (machine, directives) = ackingBatch()
        let call = acks(directives)[0].0
        let reply = machine.onAckReply(
            call, AckAnswer(outcome: .committed), more: [AckAnswer(outcome: .noLease), AckAnswer(outcome: .committed)],
            next: .empty, now: 220)
        #expect(
            recorded(reply) == [
                .acknowledged(held(8, "b"), outcome: .committed), .acknowledged(held(9, "c"), outcome: .noLease),
                .acknowledged(held(10, "d"), outcome: .committed),
            ])
        #expect(machine.committed == 3, "a, b and d")
        #expect(machine.slots[0] != .off && machine.inFlight.isEmpty, "the slot leases again")
    }

    /// An older queue answers only the first order of the call: the others are recorded unanswered (their leases
    /// expire and they are delivered again), never counted committed.
    @Test func aReplyWithoutAnswersForTheFurtherOrdersRecordsThemUnanswered() {
        var (machine, directives) = ackingBatch()
        let reply = machine.onAckReply(acks(directives)[0].0, AckAnswer(outcome: .committed), now: 220)
        #expect(
            recorded(reply) == [
                .acknowledged(held(8, "b"), outcome: .committed),
                .ackUnanswered(held(9, "c"), attempts: 1, reason: .notAnswered),
                .ackUnanswered(held(10, "d"), attempts: 1, reason: .notAnswered),
            ])
        #expect(machine.committed == 2)
    }

    /// The batch ack's reply was lost: the repeat carries every order again, the queue answers each
    /// `already_committed` under the slot's own lease, and each counts once.
    @Test func aRepeatedBatchAckAfterALostReplyCountsEachCommitOnce() throws {
        var (machine, directives) = ackingBatch()
        let retry = machine.onAckFailed(acks(directives)[0].0, now: 220)
        #expect(retry == [.setTimer(.ackRetry(slot: 0), deadline: 230)])
        let again = acks(machine.onTimer(.ackRetry(slot: 0), now: 230))
        try #require(again.count == 1)
        #expect(again[0].1.map(\.lease.id) == [8, 9, 10])
        let repeated = [8, 9, 10].map { AckAnswer(outcome: .alreadyCommitted, committedLease: $0) }
        let reply = machine.onAckReply(
            again[0].0, repeated[0], more: Array(repeated.dropFirst()), next: .empty, now: 240)
        #expect(recorded(reply).allSatisfy { if case .acknowledged(_, .committed) = $0 { true } else { false } })
        #expect(machine.committed == 4, "a once, and b, c, d once each")
    }

    /// After a leader change the queue fences the batch ack: the newer epoch is reported once, nothing is committed or
    /// taken from the reply.
    @Test func aFencedBatchAckReportsTheNewerEpochOnceAndTakesNothing() {
        var (machine, directives) = ackingBatch()
        let newer = Epoch(term: 2, leader: 1)
        let fenced = AckAnswer(outcome: .fenced, fencedBy: newer)
        let reply = machine.onAckReply(acks(directives)[0].0, fenced, more: [fenced, fenced], now: 220)
        #expect(reply.filter { $0 == .fenced(by: newer) }.count == 1)
        #expect(!reply.contains { if case .record(.dequeued) = $0 { true } else { false } })
        #expect(machine.committed == 1 && machine.inFlight.isEmpty)
    }

    /// A clean stop whose deadline passes while a batch is processed gives back every order of the batch.
    @Test func aDrainGivesBackEveryLeasedOrderOfTheBatch() {
        var (machine, call) = ackingA()
        _ = machine.onDrain(now: 105)
        let reply = answerWithBatch(&machine, call)
        let released = reply.compactMap { if case .release(let call, let held) = $0 { (call, held) } else { nil } }
        #expect(released.count == 1 && released.first?.1 == batch, "every order of the batch, in one directive")
        #expect(machine.onReleaseDone(released[0].0, now: 120) == [.cancelTimer(.drainDeadline), .drained])
    }

    @Test func leadershipLostWhileABatchAckBacksOffRecordsEveryOrderUnanswered() {
        var (machine, directives) = ackingBatch()
        _ = machine.onAckFailed(acks(directives)[0].0, now: 220)
        let lost = machine.onLeadershipLost(now: 225)
        #expect(
            recorded(lost)
                == ["b", "c", "d"].enumerated().map {
                    .ackUnanswered(held(UInt64(8 + $0.offset), $0.element), attempts: 1, reason: .leadershipLost)
                })
        #expect(machine.inFlight.isEmpty)
    }

    /// Below saturation one slot takes what accumulates in batches: a slot other than 0 whose ack found nothing more
    /// to lease parks (no poll of its own), slot 0 polls again at once, and a reply with more orders waiting wakes
    /// the parked slot.
    @Test func aSlotOtherThanZeroWhoseAckLeasedNothingParksUntilMoreOrdersWait() {
        var twoSlots = settings
        twoSlots.slots = 2
        var machine = WorkMachine(executor: 3, settings: twoSlots)
        let calls = leaseCalls(machine.onLeadershipGained(epoch, now: 0))
        let a = heldOrder(7, "a", epoch: epoch, slot: 1)
        _ = machine.onLeaseReply(calls[1], .leased(a.lease, a.order, depth: 0), now: 1)
        let ack = acks(machine.onTimer(.processing(slot: 1), now: 101))[0]
        let reply = machine.onAckReply(ack.0, AckAnswer(outcome: .committed), next: .empty, now: 110)
        #expect(!reply.contains { if case .lease = $0 { true } else { false } }, "slot 1 parks")
        #expect(machine.slots[1] == .idle)
        let slot0 = machine.onLeaseReply(calls[0], .leased(held(8, "b").lease, order("b"), depth: 2), now: 120)
        #expect(slot0.contains { if case .lease(let call, _) = $0 { call.slot == 1 } else { false } }, "woken")
    }
}
