import Checkout
import ClusterProtocol
import OrderQueueCore
import RPC

extension QueueService {
    /// `enqueueBatch`: stores several checkouts' orders in one change of the queue, so they share one log batch and
    /// one `fsync`. Each item is what `enqueue` of its ticket does (the same validation, `queue.enqueue` record in
    /// the item's own trace, grants to held lease requests, reply), except that the batch is admitted whole or
    /// refused whole: when its new orders do not all fit under `maxWaiting`, none is stored and every item's
    /// `queue.overloaded` is recorded. A single new order is admitted exactly when `enqueue` would admit it.
    func enqueue(_ tickets: [OrderTicket], contexts items: [RequestContext]) throws -> [EnqueueReply] {
        // Each order's records go in a span of their own under the item's span (the orchestrator's enqueue span), as
        // an `enqueue` call's records go in the server's span under the caller's.
        try storeOrders(tickets, contexts: items.map { $0.inTrace($0.trace.child()) })
    }

    /// Stores `tickets` (each recorded in its context) in one change of the queue: validated first, admitted whole
    /// or refused whole (`LeasedOrderQueue.admits`), trace events in the state's order once the change is durable
    /// (see `mutate`). `enqueue` is this with one ticket.
    func storeOrders(_ tickets: [OrderTicket], contexts: [RequestContext]) throws -> [EnqueueReply] {
        // The batch route refuses an empty batch before it gets here; this keeps the shared path safe on its own.
        guard let changeContext = contexts.first, contexts.count == tickets.count else {
            throw RPCError(.invalidParams, "an enqueue carries 1 or more orders, each with its context")
        }
        for ticket in tickets { try validation.check(ticket) }
        let priorities = tickets.map { policy.priority(for: $0) }
        let now = wallClock()
        let max = settings.maxWaiting
        var granted: [LeaseWaiters.Waiter] = []
        let stored: (outcomes: [(EnqueueOutcome, depth: Int)]?, depth: Int)
        do {
            (stored, _, _) = try mutate(context: changeContext) { queue, trace in
                guard queue.admits(tickets.lazy.map(\.orderId), maxWaiting: max) else { return (nil, queue.depth) }
                var outcomes: [(EnqueueOutcome, depth: Int)] = []
                for (index, ticket) in tickets.enumerated() {
                    let outcome = queue.enqueue(ticket: ticket, priority: priorities[index], nowNanos: now)
                    trace.record(
                        QueueEnqueue(
                            order: ticket.orderId, priority: "\(priorities[index])", depth: queue.depth,
                            duplicate: outcome.isDuplicate), in: contexts[index])
                    if case .enqueued = outcome { granted += grantHeld(&queue, &trace) }
                    outcomes.append((outcome, queue.depth))
                }
                return (outcomes, queue.depth)
            }
        } catch {
            waiters.deliver(granted, durable: false)
            throw error
        }
        waiters.deliver(granted, durable: true)
        guard let outcomes = stored.outcomes else {
            metrics.counter("queue_overloaded_total").increment(by: tickets.count)
            for (ticket, context) in zip(tickets, contexts) {
                context.record(QueueOverloaded(order: ticket.orderId, depth: stored.depth, max: max))
            }
            let batch = tickets.count > 1 ? "; none of this batch's \(tickets.count) orders was stored" : ""
            throw RPCError(.overloaded, "the order queue is full: \(stored.depth) orders wait (at most \(max))" + batch)
        }
        return outcomes.map { outcome, depth in
            if case .enqueued(_, let position) = outcome { return .stored(position: position, depth: depth) }
            return .duplicate(depth: depth)
        }
    }
}
