import Checkout
import ClusterProtocol
import Election
import OrderQueueCore
import RPC

/// The Order Queue's checks of what executors send, before anything reaches the queue's state: the executor
/// must be a configured replica, the epoch's leader too, the term within `QueueBounds.maxTerm`, the slot within
/// the configured concurrency, a lease's wait within `QueueBounds.maxLeaseWaitMs`,
/// its batch and an ack's further orders within `QueueBounds.maxLeaseBatch`, the order id well formed.
/// Refusals are `invalidParams`.
struct QueueRequestValidation: Sendable {
    /// The configured executor replica ids.
    let replicas: Set<Int>
    /// Slots per leader (`executorConcurrency`).
    let slots: Int

    func check(executor: Int, epoch: Epoch) throws {
        guard replicas.contains(executor) else {
            throw RPCError(.invalidParams, "executor \(executor) is not a configured replica")
        }
        guard epoch.term >= 1, epoch.term <= QueueBounds.maxTerm else {
            throw RPCError(.invalidParams, "epoch term \(epoch.term) is outside 1...\(QueueBounds.maxTerm)")
        }
        guard replicas.contains(epoch.leader) else {
            throw RPCError(.invalidParams, "epoch \(epoch) names a leader that is not a configured replica")
        }
    }

    func check(_ request: LeaseRequest) throws {
        try check(executor: request.executor, epoch: request.epoch)
        guard request.slot >= 0, request.slot < slots else {
            throw RPCError(.invalidParams, "slot \(request.slot) is outside 0..<\(slots)")
        }
        if let wait = request.waitMs, !(0...QueueBounds.maxLeaseWaitMs).contains(wait) {
            throw RPCError(.invalidParams, "waitMs \(wait) is outside 0...\(QueueBounds.maxLeaseWaitMs)")
        }
        if let batch = request.batch, !(1...QueueBounds.maxLeaseBatch).contains(batch) {
            throw RPCError(.invalidParams, "batch \(batch) is outside 1...\(QueueBounds.maxLeaseBatch)")
        }
    }

    /// An ack's `next` lease request is checked like a lease request, and must be the acking executor's.
    func check(_ request: AckRequest) throws {
        try check(executor: request.executor, epoch: request.epoch)
        if let problem = QueueBounds.problem(orderId: request.orderId) { throw RPCError(.invalidParams, problem) }
        if let more = request.more {
            guard more.count < QueueBounds.maxLeaseBatch else {
                throw RPCError(
                    .invalidParams, "more names \(more.count) orders (at most \(QueueBounds.maxLeaseBatch - 1))")
            }
            for item in more {
                if let problem = QueueBounds.problem(orderId: item.orderId) { throw RPCError(.invalidParams, problem) }
            }
        }
        if let next = request.next {
            guard next.executor == request.executor else {
                throw RPCError(
                    .invalidParams, "next names executor \(next.executor), not the acking executor \(request.executor)")
            }
            try check(next)
        }
    }

    func check(_ ticket: OrderTicket) throws {
        if let problem = QueueBounds.problem(ticket: ticket) { throw RPCError(.invalidParams, problem) }
    }
}
