import Checkout
import ClusterProtocol
import Election
import OrderQueueCore
import RPC
import TraceFormat

extension QueueService {
    /// Registers every `QueueRPC` method.
    public func register(into router: inout Router) {
        router.register(QueueRPC.enqueue) { [self] ticket, context in try enqueue(ticket, context: context) }
        router.registerBatch(QueueRPC.enqueueBatch) { [self] tickets, contexts in
            try enqueue(tickets, contexts: contexts)
        }
        router.register(QueueRPC.lease) { [self] request, context in try lease(request, context: context) }
        router.register(QueueRPC.ack) { [self] request, context in try ack(request, context: context) }
        router.register(QueueRPC.release) { [self] request, context in try release(request, context: context) }
        router.register(QueueRPC.inspect) { [self] _, _ in
            guard !stopped.withLock({ $0 }) else { throw RPCError(.unavailable, "the order queue is stopped") }
            return snapshot
        }
    }

    /// `enqueue`: stores one approved order, recorded in the server's span (`storeOrders` with one ticket).
    func enqueue(_ ticket: OrderTicket, context: RequestContext) throws -> EnqueueReply {
        try storeOrders([ticket], contexts: [context])[0]
    }

    /// One look at the queue for `request` (validated): a lease, `empty` or `fenced`, through the write-ahead log.
    func leaseOnce(_ request: LeaseRequest, context: RequestContext) throws -> LeaseReply {
        try look(request, context: context).reply
    }

    /// `leaseOnce`, with how long after the look the earliest lease deadline comes (nanoseconds on the queue's
    /// clock; nil without leases), read under the same lock.
    func look(_ request: LeaseRequest, context: RequestContext) throws -> (reply: LeaseReply, nextDeadline: UInt64?) {
        let now = monotonic()
        let ((outcome, deadline), depth, _) = try mutate(context: context) {
            queue, trace -> (LeasedOrderQueue.DequeueOutcome, UInt64?) in
            let outcome = dequeue(request, from: &queue, now: now, trace: &trace, in: context)
            return (outcome, queue.nextDeadline.map { $0 > now ? $0 - now : 0 })
        }
        return (LeaseReply(outcome, depth: depth), deadline)
    }

    /// Leases the order an enqueue just stored to the oldest held lease requests, under the queue's lock and in
    /// the enqueue's log batch: a held request then neither looks at the queue again nor waits for a batch of its
    /// own. Each grant is the `dequeue` its request would have made (fencing included), traced in its request.
    /// Returns the requests answered, for `LeaseWaiters.deliver` once the batch is durable.
    func grantHeld(_ queue: inout LeasedOrderQueue, _ trace: inout PendingTrace) -> [LeaseWaiters.Waiter] {
        waiters.grant { waiter in
            guard queue.depth > 0 else { return nil }
            let request = LeaseRequest(executor: waiter.executor, epoch: waiter.epoch, slot: waiter.slot)
            let outcome = dequeue(request, from: &queue, now: monotonic(), trace: &trace, in: waiter.context)
            if case .empty = outcome { return nil }
            return LeaseReply(outcome, depth: queue.depth)
        }
    }

    /// `queue.dequeue` for `request`, with its trace records (held back in `trace`) in `context`'s trace.
    private func dequeue(
        _ request: LeaseRequest, from queue: inout LeasedOrderQueue, now: UInt64, trace: inout PendingTrace,
        in context: RequestContext
    ) -> LeasedOrderQueue.DequeueOutcome {
        let (outcome, events) = queue.dequeue(
            executor: request.executor, epoch: request.epoch, slot: request.slot, now: now)
        record(events, into: &trace, in: context)
        record(outcome, request, depth: queue.depth, now: now, into: &trace, in: context)
        return outcome
    }

    /// The trace event of one dequeue outcome: `queue.lease` (with `depth` orders waiting after it) or
    /// `queue.fenced`.
    private func record(
        _ outcome: LeasedOrderQueue.DequeueOutcome, _ request: LeaseRequest, depth: Int, now: UInt64,
        into trace: inout PendingTrace, in context: RequestContext
    ) {
        switch outcome {
        case .leased(let lease, _, let renewed):
            trace.record(Self.leaseEvent(lease, now: now, renewed: renewed, depth: depth), in: context)
        case .fenced(let current):
            trace.record(
                QueueFenced(operation: "lease", executor: request.executor, epoch: request.epoch, current: current),
                in: context)
        case .empty:
            break
        }
    }

    /// Commits the lease `request` names (and those of `request.more`, in order) and, with `request.next`, leases
    /// the slot's next order (up to `next.batch` orders) under the same lock and in the same log batch (unless an
    /// ack was fenced: the lease would be too). The lease part is answered at once and traced in the ack's request,
    /// like a `lease` call's look: one `queue.commit` (or `queue.ack.refused`) per order, then one `queue.lease` per
    /// lease. A repeat (a lost reply) gets `already_committed` and the same leases `renewed`.
    func ack(_ request: AckRequest, context: RequestContext) throws -> AckAndLeaseReply {
        try validation.check(request)
        let now = monotonic()
        let items = [AckItem(orderId: request.orderId, leaseId: request.leaseId)] + (request.more ?? [])
        let ((replies, next), depth, _) = try mutate(context: context) {
            queue, trace -> ([AckReply], (first: LeasedOrderQueue.DequeueOutcome, more: [LeasedOrder])?) in
            var replies: [AckReply] = []
            replies.reserveCapacity(items.count)
            for item in items {
                let (outcome, events) = queue.ack(
                    orderId: item.orderId, executor: request.executor, epoch: request.epoch, leaseID: item.leaseId,
                    now: now)
                record(events, into: &trace)
                let reply = AckReply(outcome)
                let ack = Self.ackEvent(request, item, reply.outcome.rawValue)
                if reply.outcome == .committed {
                    trace.record(QueueCommit(ack))
                } else {
                    trace.record(QueueAckRefused(ack))
                }
                replies.append(reply)
            }
            guard let next = request.next, !replies.contains(where: { $0.outcome == .fenced }) else {
                return (replies, nil)
            }
            return (replies, dequeueBatch(next, from: &queue, now: now, trace: &trace, in: context))
        }
        for reply in replies { ackOutcomes.increment(reply.outcome.rawValue) }
        let lease = next.map { LeaseReply($0.first, depth: depth) }
        if let lease { leaseOutcomes.increment(Self.outcomeLabel(lease)) }
        let moreLeases = next.flatMap { $0.more.isEmpty ? nil : $0.more }
        if let next { for _ in next.more { leaseOutcomes.increment(isRenewed(next.first) ? "renewed" : "leased") } }
        return AckAndLeaseReply(
            replies[0], next: lease, more: request.more == nil ? nil : Array(replies.dropFirst()),
            moreLeases: moreLeases)
    }

    /// `dequeue` for a batch lease (`request.batch` orders at most): the first outcome, then the further leases,
    /// each traced `queue.lease` in `context`'s trace.
    private func dequeueBatch(
        _ request: LeaseRequest, from queue: inout LeasedOrderQueue, now: UInt64, trace: inout PendingTrace,
        in context: RequestContext
    ) -> (first: LeasedOrderQueue.DequeueOutcome, more: [LeasedOrder]) {
        guard let batch = request.batch, batch > 1 else {
            return (dequeue(request, from: &queue, now: now, trace: &trace, in: context), [])
        }
        let (first, more, events) = queue.dequeue(
            executor: request.executor, epoch: request.epoch, slot: request.slot, count: batch, now: now)
        record(events, into: &trace, in: context)
        record(first, request, depth: queue.depth + more.count, now: now, into: &trace, in: context)
        for (index, leased) in more.enumerated() {
            let depth = queue.depth + more.count - index - 1
            record(
                .leased(leased.lease, leased.order, renewed: isRenewed(first)), request, depth: depth, now: now,
                into: &trace, in: context)
        }
        return (first, more)
    }

    private func isRenewed(_ outcome: LeasedOrderQueue.DequeueOutcome) -> Bool {
        if case .leased(_, _, true) = outcome { true } else { false }
    }

    /// The `outcome` label of `queue_leases_total` for `reply`.
    static func outcomeLabel(_ reply: LeaseReply) -> String {
        if case .leased(_, _, renewed: true, _) = reply { "renewed" } else { reply.outcome.rawValue }
    }

    func release(_ request: AckRequest, context: RequestContext) throws -> AckReply {
        let outcome = try settle(request, context: context, { $0.release(request, now: $1) }) { outcome, trace in
            switch outcome {
            case .released(let lease):
                trace.record(QueueLeaseReleased(Self.leaseEnd(lease)))
            case .fenced(let current):
                recordFenced("release", executor: request.executor, epoch: request.epoch, current: current, &trace)
            case .noLease:
                break
            }
            return outcome
        }
        let reply = AckReply(outcome)
        if reply == .released { metrics.counter("queue_releases_total").increment() }
        return reply
    }

    /// Validates `request`, then, under the queue's lock, runs `operation` (`ack` or `release`) for its lease,
    /// traces the leases it expired or revoked on the way and hands its outcome to `body`.
    private func settle<Outcome, T>(
        _ request: AckRequest, context: RequestContext,
        _ operation: (inout LeasedOrderQueue, _ now: UInt64) -> (Outcome, [LeasedOrderQueue.Event]),
        _ body: (Outcome, inout PendingTrace) -> T
    ) throws -> T {
        try validation.check(request)
        let now = monotonic()
        let (result, _, _) = try mutate(context: context) { queue, trace in
            let (outcome, events) = operation(&queue, now)
            record(events, into: &trace)
            return body(outcome, &trace)
        }
        return result
    }

    private func recordFenced(
        _ operation: String, executor: Int, epoch: Epoch, current: Epoch, _ trace: inout PendingTrace
    ) {
        trace.record(QueueFenced(operation: operation, executor: executor, epoch: epoch, current: current))
    }

    private func record(
        _ events: [LeasedOrderQueue.Event], into trace: inout PendingTrace, in context: RequestContext? = nil
    ) {
        let context = context ?? trace.context
        for event in events {
            switch event {
            case .expired(let lease):
                metrics.counter("queue_lease_expirations_total").increment()
                trace.record(QueueLeaseExpired(Self.leaseEnd(lease)), in: context)
            case .revoked(let lease, let epoch):
                metrics.counter("queue_lease_revocations_total").increment()
                trace.record(QueueLeaseRevoked(Self.leaseEnd(lease), by: epoch), in: context)
            }
        }
    }

    static func leaseEvent(_ lease: Lease, now: UInt64, renewed: Bool, depth: Int) -> QueueLease {
        QueueLease(
            order: lease.orderId, executor: lease.executor, epoch: lease.epoch, lease: lease.id,
            delivery: lease.delivery, slot: lease.slot,
            expiresInMs: Int64(clamping: (lease.deadlineNanos &- now) / 1_000_000), renewed: renewed, depth: depth)
    }

    static func ackEvent(_ request: AckRequest, _ item: AckItem, _ outcome: String) -> QueueAck {
        QueueAck(
            order: item.orderId, executor: request.executor, epoch: request.epoch, lease: item.leaseId,
            outcome: outcome)
    }

    /// A lease that ended without a commit: order, executor, epoch, lease.
    static func leaseEnd(_ lease: Lease) -> LeaseEnd {
        LeaseEnd(order: lease.orderId, executor: lease.executor, epoch: lease.epoch, lease: lease.id)
    }
}

extension LeasedOrderQueue {
    /// Gives back the lease `request` names.
    fileprivate mutating func release(_ request: AckRequest, now: UInt64) -> (ReleaseOutcome, [Event]) {
        release(
            orderId: request.orderId, executor: request.executor, epoch: request.epoch, leaseID: request.leaseId,
            now: now)
    }
}
