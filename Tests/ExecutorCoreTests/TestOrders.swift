import Checkout
import Election
import ExecutorCore
import OrderQueueCore

/// A waiting order with id `id` and no items, as the queue would hand it out (the executor tests' one fixture).
func order(_ id: String) -> QueuedOrder {
    QueuedOrder(
        orderId: id, priority: OrderPriority(shippingWeight: 1, countryRank: 0), enqueueSequence: 0, enqueuedAtNanos: 0,
        ticket: OrderTicket(orderId: id, items: [], shippingMethod: nil, country: nil))
}

/// Order `orderId` held by executor 3 under lease `id` of `epoch` for `slot` (granted at 0, until 2,000).
func heldOrder(_ id: UInt64, _ orderId: String, epoch: Epoch, slot: Int = 0) -> HeldOrder {
    let lease = Lease(
        id: id, orderId: orderId, executor: 3, epoch: epoch, grantedAtNanos: 0, deadlineNanos: 2_000, delivery: 1,
        slot: slot)
    return HeldOrder(lease: lease, order: order(orderId), epoch: epoch)
}
