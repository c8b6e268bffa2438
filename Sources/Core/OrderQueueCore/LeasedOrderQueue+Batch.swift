import Election

/// An order under a lease, as a batch lease hands it out.
public struct LeasedOrder: Codable, Sendable, Equatable {
    public var lease: Lease
    public var order: QueuedOrder

    public init(lease: Lease, order: QueuedOrder) {
        self.lease = lease
        self.order = order
    }
}

extension LeasedOrderQueue {
    /// The leader `executor` of `epoch` asks for up to `count` orders for its `slot` (a batch lease: one lease per
    /// order, each with its own id, all of that slot). The first is answered as `dequeue` answers it; `more` holds
    /// the others, in serving order. A slot that already holds leases (a repeated request whose reply was lost)
    /// gets all of them back renewed, and no new one: the repeat is answered like the first request.
    public mutating func dequeue(
        executor: Int, epoch: Epoch, slot: Int, count: Int, now: UInt64
    ) -> (first: DequeueOutcome, more: [LeasedOrder], events: [Event]) {
        let (first, events) = dequeue(executor: executor, epoch: epoch, slot: slot, now: now)
        guard case .leased(_, _, let renewed) = first, count > 1 else { return (first, [], events) }
        if renewed {
            // Every lease of the slot, renewed, oldest first (as the first request handed them out).
            let held = leases.values.filter {
                $0.lease.executor == executor && $0.lease.epoch == epoch && $0.lease.slot == slot
            }
            var renewedLeases: [LeasedOrder] = []
            for var other in held.sorted(by: { $0.lease.id < $1.lease.id }) {
                other.lease.deadlineNanos = now &+ leaseDuration
                leases[other.lease.orderId] = other
                renewedLeases.append(LeasedOrder(lease: other.lease, order: other.order))
            }
            let oldest = renewedLeases.removeFirst()
            return (.leased(oldest.lease, oldest.order, renewed: true), renewedLeases, events)
        }
        var more: [LeasedOrder] = []
        while more.count < min(count, QueueBounds.maxLeaseBatch) - 1, let order = waiting.peek() {
            let next = Lease(
                id: nextLeaseID, orderId: order.orderId, executor: executor, epoch: epoch, grantedAtNanos: now,
                deadlineNanos: now &+ leaseDuration, delivery: deliveries[order.orderId, default: 0] &+ 1, slot: slot)
            record(.leased(next))
            more.append(LeasedOrder(lease: next, order: order))
        }
        return (first, more, events)
    }
}
