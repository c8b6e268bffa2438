import Checkout
import OrderQueueCore

/// A waiting order with id `id` and no items, as the queue would hand it out (the executor tests' one fixture).
func order(_ id: String) -> QueuedOrder {
    QueuedOrder(
        orderId: id, priority: OrderPriority(shippingWeight: 1, countryRank: 0), enqueueSequence: 0, enqueuedAtNanos: 0,
        ticket: OrderTicket(orderId: id, items: [], shippingMethod: nil, country: nil))
}
