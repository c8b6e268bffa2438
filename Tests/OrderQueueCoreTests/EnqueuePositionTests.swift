import Checkout
import SeededRandom
import Testing

@testable import OrderQueueCore

/// The position an enqueue reports comes from per-priority counts, not a scan: it must still be the new order's
/// index in the serving order, through dequeues, cancellations and requeues of older orders.
@Suite("Enqueue position")
struct EnqueuePositionTests {
    @Test func theReportedPositionIsTheNewOrdersPlaceInTheServingOrderUnderRandomWork() {
        var random = SplitMix64(seed: 0x9051_7101)
        var queue = PriorityOrderQueue()
        var left: [QueuedOrder] = []
        for index in 0..<3_000 {
            let choice = Int.random(in: 0..<10, using: &random)
            if choice < 6 {
                let priority = OrderPriority(
                    shippingWeight: Int.random(in: 0...2, using: &random),
                    countryRank: Int.random(in: 0...5, using: &random), sizeBonus: Int.random(in: 0...1, using: &random))
                let outcome = queue.enqueue(orderId: "o\(index)", ticket: makeOrder(), priority: priority, nowNanos: 0)
                guard case .enqueued(_, let position) = outcome else {
                    Issue.record("o\(index) was not enqueued: \(outcome)")
                    continue
                }
                let served = queue.snapshot().map(\.orderId)
                #expect(served.firstIndex(of: "o\(index)") == position, "o\(index) after \(index) steps")
            } else if choice < 8 {
                if let order = queue.dequeue() { left.append(order) }
            } else if choice < 9, let order = queue.unordered.randomElement(using: &random) {
                if let removed = queue.remove(orderId: order.orderId) { left.append(removed) }
            } else if !left.isEmpty {
                queue.requeue(left.remove(at: Int.random(in: 0..<left.count, using: &random)))
            }
        }
        #expect(queue.waitingPerPriority.values.reduce(0, +) == queue.count)
    }
}
