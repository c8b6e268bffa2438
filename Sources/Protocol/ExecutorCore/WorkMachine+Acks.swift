import ClusterProtocol
import Election
import OrderQueueCore

/// The ack half of the work loop: a slot's orders acknowledged in one call (with the next lease request it may
/// carry), the queue's answers, failed acks and their retries, and leases given back on a clean stop.
extension WorkMachine {
    /// The queue answered an ack: `answer` for the slot's first order, `more` for the others in order (an order
    /// without an answer, from a queue that does not read `AckRequest.more`, is recorded `ackUnanswered`: its lease
    /// expires and it is delivered again); `next` and `nextMore`: its answer to the lease request the ack carried
    /// (nil: none, or a queue that does not lease with acks), handled as the answer to a lease call sent with it.
    public mutating func onAckReply(
        _ call: WorkCall, _ answer: AckAnswer, more: [AckAnswer] = [], next carried: LeaseAnswer? = nil,
        nextMore: [LeasedOrder] = [], now: UInt64
    ) -> [WorkDirective] {
        guard !stopped, case .acking(let held, let pending, let attempt) = slots[safe: call.slot], pending == call
        else { return [] }
        slots[call.slot] = .off
        let leaseEpoch = ackLeases.removeValue(forKey: call.slot)
        let answers = [answer] + more
        var directives: [WorkDirective] = []
        var fencedBy: Epoch?
        for (index, order) in held.enumerated() {
            guard index < answers.count else {
                directives.append(.record(.ackUnanswered(order, attempts: attempt, reason: .notAnswered)))
                continue
            }
            let answer = answers[index]
            // A repeated ack of a lease whose first ack committed it (a retried request) is answered
            // `already_committed` with that lease: this slot's ack did commit the order.
            let own = answer.outcome == .alreadyCommitted && answer.committedLease == order.lease.id
            let outcome = own ? AckOutcome.committed : answer.outcome
            directives.append(.record(.acknowledged(order, outcome: outcome)))
            if outcome == .committed { committed += 1 }
            if let newer = answer.fencedBy { fencedBy = max(fencedBy ?? newer, newer) }
        }
        if let fencedBy { directives.append(.fenced(by: fencedBy)) }
        guard let carried, let leaseEpoch, fencedBy == nil else { return directives + next(call.slot, now: now) }
        return directives + carriedLease(call.slot, carried, more: nextMore, epoch: leaseEpoch, now: now)
    }

    /// The lease part of an ack's reply, as the reply to a lease call (no wait) sent with the ack: orders leased
    /// are processed, a fencing ends the slot; nothing to lease: the slot asks with an ordinary lease call (a long
    /// poll) at once; with batch leases only slot 0 does, the others park (a held poll per slot would take each
    /// order alone; slot 0's poll and batch acks take what comes, and wake them when more waits).
    private mutating func carriedLease(
        _ slot: Int, _ answer: LeaseAnswer, more: [LeasedOrder], epoch: Epoch, now: UInt64
    ) -> [WorkDirective] {
        if case .empty = answer {
            return settings.leaseBatch > 1 && slot != 0 ? park(slot, now: now) : next(slot, now: now)
        }
        let call = newCall(slot)
        slots[slot] = .leasing(call, epoch: epoch)
        leaseSent[slot] = (now, false)
        return onLeaseReply(call, answer, more: more, now: now)
    }

    /// An ack call failed (no answer; the queue may or may not have committed): retried after a backoff while the
    /// node leads the order's epoch, attempts remain and the lease may still be valid; else the slot gives up.
    public mutating func onAckFailed(_ call: WorkCall, now: UInt64) -> [WorkDirective] {
        guard !stopped, case .acking(let held, let pending, let attempt) = slots[safe: call.slot], pending == call
        else { return [] }
        let slot = call.slot
        ackLeases[slot] = nil
        let retryAt = now &+ settings.ackBackoff(after: attempt)
        let reason: AckGiveUp?
        if held.contains(where: { $0.epoch != leading }) {
            reason = .leadershipLost
        } else if attempt >= max(1, settings.ackAttempts) {
            reason = .attemptsExhausted
        } else if retryAt >= leaseEnds[slot] ?? 0 {
            reason = .leaseMayHaveExpired
        } else {
            reason = nil
        }
        guard let reason else {
            slots[slot] = .ackBackoff(held, attempt: attempt)
            return [.setTimer(.ackRetry(slot: slot), deadline: retryAt)]
        }
        slots[slot] = .off
        return held.map { .record(.ackUnanswered($0, attempts: attempt, reason: reason)) } + next(slot, now: now)
    }

    /// A release call ended (answered or failed: an unreleased lease expires).
    public mutating func onReleaseDone(_ call: WorkCall, now: UInt64) -> [WorkDirective] {
        guard !stopped, case .releasing(let pending) = slots[safe: call.slot], pending == call else { return [] }
        slots[call.slot] = .off
        return drainProgress()
    }

    // MARK: Steps

    /// Ack number `attempt` of the orders `slot` holds (one call for the slot's batch); with `ackCarriesLease`,
    /// while leading the orders' epoch and not draining, it carries the slot's next lease request (no wait; a batch
    /// of up to `leaseBatch` orders).
    mutating func ack(_ slot: Int, _ held: [HeldOrder], attempt: Int) -> [WorkDirective] {
        let call = newCall(slot)
        slots[slot] = .acking(held, call, attempt: attempt)
        guard settings.ackCarriesLease, !draining, let epoch = leading, held.allSatisfy({ $0.epoch == epoch }) else {
            ackLeases[slot] = nil
            return [.ack(call, held)]
        }
        ackLeases[slot] = epoch
        let batch = settings.leaseBatch > 1 ? min(settings.leaseBatch, QueueBounds.maxLeaseBatch) : nil
        let request = LeaseRequest(executor: executor, epoch: epoch, slot: slot, batch: batch)
        return [.ackAndLease(call, held, next: request)]
    }

    mutating func release(_ slot: Int, _ held: [HeldOrder]) -> [WorkDirective] {
        let call = newCall(slot)
        slots[slot] = .releasing(call)
        return [.release(call, held)]
    }
}
