import ClusterProtocol
import Election
import OrderQueueCore
import RPC

/// `queue.lease` as a long poll: a request with `waitMs` that finds nothing is held on its server thread until an
/// order can be leased, its epoch is fenced, a newer request of its slot replaces it, the queue stops, or the wait
/// ends (bounded by the request's own deadline). Every look at the queue is an ordinary `leaseOnce` under the lock
/// and through the write-ahead log: the epoch is judged when the lease is granted, not when the request arrived.
extension QueueService {
    /// A held request is answered this long before its caller's deadline.
    static let deadlineMarginNanos: UInt64 = 100_000_000

    func lease(_ request: LeaseRequest, context: RequestContext) throws -> LeaseReply {
        try validation.check(request)
        let reply = try leaseHolding(request, context: context)
        leaseOutcomes.increment(Self.outcomeLabel(reply))
        return reply
    }

    private func leaseHolding(_ request: LeaseRequest, context: RequestContext) throws -> LeaseReply {
        let hold = Self.holdNanos(waitMs: request.waitMs, deadline: context.deadlineNanos, now: MonotonicClock.nanos())
        guard hold > 0 else {
            // A newer request of the slot (an executor's clean stop asks again without a wait) ends a held one.
            waiters.supersede(executor: request.executor, slot: request.slot)
            return try leaseOnce(request, context: context)
        }
        let until = MonotonicClock.nanos() &+ hold
        var held = false
        while true {
            let ticket = waiters.ticket()
            let (reply, nextDeadline) = try look(request, context: context)
            let now = MonotonicClock.nanos()
            guard case .empty = reply, now < until else { return counted(reply, held: held) }
            let hold = waiters.hold(
                executor: request.executor, slot: request.slot, epoch: request.epoch, context: context, ticket: ticket)
            switch hold {
            case .changed:
                continue
            case .full:
                metrics.counter("queue_lease_holds_refused_total").increment()
                return counted(reply, held: held)
            case .stopping:
                return counted(reply, held: held)
            case .held(let waiter):
                held = true
                // Until the earliest lease deadline too (plus 1 ms): an expired lease gives its order back to the next
                // look. The queue's clock may be another than the real one (tests): the same distance on the real one.
                let deadline = nextDeadline.map { now &+ $0 &+ 1_000_000 } ?? until
                switch waiters.wait(waiter, nanos: min(until, deadline) &- now) {
                case .retry, .timeout: continue
                case .superseded, .stopping: return counted(reply, held: held)
                case .granted(let granted, let durable):
                    // An enqueue leased its order to this request (`grantHeld`). Unless woken once that was
                    // durable, a look through the log (which holds the grant's records from then on) waits for it.
                    if !durable { _ = try mutate(context: context) { _, _ in } }
                    return counted(granted, held: held)
                }
            }
        }
    }

    private func counted(_ reply: LeaseReply, held: Bool) -> LeaseReply {
        if held { leaseHolds.increment(reply.outcome.rawValue) }
        return reply
    }

    /// How long a request may be held (0: answer at once): its `waitMs`, ending `deadlineMarginNanos` before the
    /// caller's deadline when it gave one.
    static func holdNanos(waitMs: Int?, deadline: UInt64?, now: UInt64) -> UInt64 {
        guard let waitMs, waitMs > 0 else { return 0 }
        var hold = UInt64(min(waitMs, QueueBounds.maxLeaseWaitMs)) * 1_000_000
        if let deadline {
            let left = deadline > now ? deadline - now : 0
            hold = min(hold, left > deadlineMarginNanos ? left - deadlineMarginNanos : 0)
        }
        return hold
    }
}
