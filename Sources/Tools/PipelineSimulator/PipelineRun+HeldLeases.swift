import ClusterProtocol
import ExecutorCore
import OrderQueueCore

/// The simulated queue's long polls, as `QueueService` holds them: a lease request with `waitMs` that finds nothing
/// waits at the queue until an order can be leased (after any change of the queue, the oldest held requests look
/// again), its epoch is fenced, a newer request of its executor and slot replaces it (answered `empty`), or its wait
/// ends; a lease deadline passing (an order given back) makes them look again too. Every look is an ordinary
/// `SimQueue.lease`: the epoch is judged when the lease is granted, through the simulated log.
extension PipelineRun {
    /// Holds `request` when it found nothing (`answer`) and asks for a wait; false when it is to be answered at once.
    /// A newer request of the same executor and slot, held or not, answers a held one `empty`.
    func hold(_ request: SimRequest, _ params: LeaseRequest, answer: LeaseAnswer) -> Bool {
        if let older = heldLeases.firstIndex(where: {
            $0.params.executor == params.executor && $0.params.slot == params.slot
        }) {
            sendReply(to: heldLeases.remove(at: older).request, .lease(.empty))
        }
        guard answer == .empty, let waitMs = params.waitMs, waitMs > 0 else { return false }
        let until = scheduler.now &+ UInt64(min(waitMs, QueueBounds.maxLeaseWaitMs)) &* 1_000_000
        heldLeases.append(HeldLease(request: request, params: params, until: until))
        heldLeaseTally.held += 1
        scheduleHeldLeaseCheck()
        return true
    }

    /// After a change of the queue: held requests look again, oldest first, while orders wait; a request of an
    /// epoch older than the queue's newest is answered (`fenced`).
    func wakeHeldLeases() {
        guard queueUp else { return }
        var index = 0
        while index < heldLeases.count {
            let held = heldLeases[index]
            guard queue.state.depth > 0 || held.params.epoch < queue.state.highestEpoch else {
                index += 1
                continue
            }
            if !answerHeld(at: index, force: false) { index += 1 }
        }
    }

    /// A wait or a lease deadline ended: every held request looks again (a look expires ended leases); those whose
    /// wait is over are answered whatever they find.
    func checkHeldLeases() {
        guard heldLeaseCheckAt == scheduler.now else { return }  // a stale check: another one is due
        heldLeaseCheckAt = nil
        guard queueUp else { return }
        var index = 0
        while index < heldLeases.count {
            if !answerHeld(at: index, force: scheduler.now >= heldLeases[index].until) { index += 1 }
        }
        scheduleHeldLeaseCheck()
    }

    /// The held request at `index` looks at the queue; answered (and no longer held) when it got something or
    /// `force`. Returns whether it was answered.
    private func answerHeld(at index: Int, force: Bool) -> Bool {
        let held = heldLeases[index]
        var records: [SimQueue.Record] = []
        let answer = queue.lease(held.params, now: scheduler.now, records: &records)
        write(records)
        guard answer != .empty || force else { return false }
        heldLeases.remove(at: index)
        if case .leased = answer { heldLeaseTally.leased += 1 }
        sendReply(to: held.request, .lease(answer))
        return true
    }

    /// The next look for the held requests: the earliest end of a wait or of a lease.
    private func scheduleHeldLeaseCheck() {
        guard let end = heldLeases.map(\.until).min() else { return }
        let at = max(min(end, queue.state.nextDeadline.map { $0 &+ 1 } ?? end), scheduler.now &+ 1)
        if let pending = heldLeaseCheckAt, pending <= at { return }
        heldLeaseCheckAt = at
        scheduler.schedule(.heldLeaseCheck, at: at)
    }
}
