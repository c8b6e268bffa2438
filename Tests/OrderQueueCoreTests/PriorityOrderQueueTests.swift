import Checkout
import Foundation
import SeededRandom
import Testing

@testable import OrderQueueCore

private let low = OrderPriority(shippingWeight: 0, countryRank: 8)
private let mid = OrderPriority(shippingWeight: 1, countryRank: 8)
private let high = OrderPriority(shippingWeight: 2, countryRank: 0)

@Suite struct PriorityOrderQueueTests {
    private func drain(_ queue: inout PriorityOrderQueue) -> [String] {
        var ids: [String] = []
        while let next = queue.dequeue() { ids.append(next.orderId) }
        return ids
    }

    @Test func emptyQueueHasNothing() {
        var queue = PriorityOrderQueue()
        #expect(queue.isEmpty && queue.count == 0)
        #expect(queue.peek() == nil)
        let dequeued = queue.dequeue()
        let removed = queue.remove(orderId: "x")
        #expect(dequeued == nil && removed == nil)
    }

    @Test func higherPriorityIsDequeuedFirst() {
        var queue = PriorityOrderQueue()
        queue.enqueue(orderId: "low", ticket: makeOrder(), priority: low, nowNanos: 1)
        queue.enqueue(orderId: "high", ticket: makeOrder(), priority: high, nowNanos: 2)
        queue.enqueue(orderId: "mid", ticket: makeOrder(), priority: mid, nowNanos: 3)
        #expect(queue.peek()?.orderId == "high")
        #expect(queue.count == 3)
        #expect(drain(&queue) == ["high", "mid", "low"])
    }

    @Test func equalPrioritiesAreFirstInFirstOutOverManyOrders() {
        var queue = PriorityOrderQueue()
        for index in 0..<1_000 {
            queue.enqueue(orderId: "o\(index)", ticket: makeOrder(), priority: mid, nowNanos: Int64(index))
        }
        #expect(drain(&queue) == (0..<1_000).map { "o\($0)" })
    }

    @Test func enqueueRecordsSequenceTimeAndPosition() {
        var queue = PriorityOrderQueue()
        let first = queue.enqueue(orderId: "a", ticket: makeOrder(), priority: low, nowNanos: 100)
        let second = queue.enqueue(orderId: "b", ticket: makeOrder(), priority: high, nowNanos: 200)
        let third = queue.enqueue(orderId: "c", ticket: makeOrder(), priority: low, nowNanos: 300)
        guard case .enqueued(let a, let positionA) = first, case .enqueued(_, let positionB) = second,
            case .enqueued(let c, let positionC) = third
        else {
            Issue.record("expected three enqueues, got \(first), \(second), \(third)")
            return
        }
        #expect(a.enqueueSequence == 0 && a.enqueuedAtNanos == 100 && positionA == 0)
        #expect(positionB == 0, "the high-priority order jumps ahead")
        #expect(c.enqueueSequence == 2 && positionC == 2)
        #expect(queue.position(of: "a") == 1)
        #expect(queue.position(of: "zzz") == nil)
    }

    @Test func duplicateEnqueueIsIdempotent() {
        var queue = PriorityOrderQueue()
        let original = makeOrder(country: "EE")
        let first = queue.enqueue(orderId: "a", ticket: original, priority: low, nowNanos: 1)
        let again = queue.enqueue(orderId: "a", ticket: makeOrder(country: "GB"), priority: high, nowNanos: 2)
        #expect(!first.isDuplicate)
        #expect(again == .duplicate(first.queuedOrder))
        #expect(again.queuedOrder.ticket == original)
        #expect(queue.count == 1)
        #expect(queue.nextSequence == 1, "a duplicate does not use up a sequence")
        #expect(drain(&queue) == ["a"])
    }

    @Test func dequeuedOrderCanBeEnqueuedAgainAsNew() {
        var queue = PriorityOrderQueue()
        queue.enqueue(orderId: "a", ticket: makeOrder(), priority: low, nowNanos: 1)
        _ = queue.dequeue()
        let again = queue.enqueue(orderId: "a", ticket: makeOrder(), priority: low, nowNanos: 2)
        #expect(!again.isDuplicate)
        #expect(again.queuedOrder.enqueueSequence == 1)
    }

    @Test func requeueKeepsItsPlaceAheadOfLaterEqualOrders() throws {
        var queue = PriorityOrderQueue()
        for id in ["a", "b", "c"] {
            queue.enqueue(orderId: id, ticket: makeOrder(), priority: mid, nowNanos: 0)
        }
        let dequeued = queue.dequeue()
        let leased = try #require(dequeued)
        #expect(leased.orderId == "a")
        queue.enqueue(orderId: "d", ticket: makeOrder(), priority: mid, nowNanos: 0)
        // The lease expires: "a" comes back first, before "b", "c" and the later "d".
        let accepted = queue.requeue(leased)
        #expect(accepted)
        #expect(queue.snapshot().map(\.orderId) == ["a", "b", "c", "d"])
        #expect(queue.peek() == leased)
        // Higher priority still goes first.
        queue.enqueue(orderId: "urgent", ticket: makeOrder(), priority: high, nowNanos: 0)
        #expect(drain(&queue) == ["urgent", "a", "b", "c", "d"])
    }

    @Test func requeueOfAWaitingOrderChangesNothing() throws {
        var queue = PriorityOrderQueue()
        queue.enqueue(orderId: "a", ticket: makeOrder(), priority: low, nowNanos: 0)
        let waiting = try #require(queue.peek())
        var altered = waiting
        altered.priority = high
        let accepted = queue.requeue(altered)
        #expect(!accepted)
        #expect(queue.count == 1 && queue.peek() == waiting)
    }

    @Test func requeueOfAForeignOrderAdvancesTheSequence() {
        var queue = PriorityOrderQueue()
        let restored = QueuedOrder(
            orderId: "old", priority: mid, enqueueSequence: 41, enqueuedAtNanos: 5, ticket: makeOrder())
        let accepted = queue.requeue(restored)
        #expect(accepted)
        #expect(queue.nextSequence == 42)
        let next = queue.enqueue(orderId: "new", ticket: makeOrder(), priority: mid, nowNanos: 6)
        #expect(next.queuedOrder.enqueueSequence == 42)
        #expect(drain(&queue) == ["old", "new"])
    }

    @Test func removeTakesOutOnlyThatOrder() {
        var queue = PriorityOrderQueue()
        for (index, priority) in [low, high, mid, high, low].enumerated() {
            queue.enqueue(orderId: "o\(index)", ticket: makeOrder(), priority: priority, nowNanos: 0)
        }
        let first = queue.remove(orderId: "o3")
        let second = queue.remove(orderId: "o3")
        #expect(first?.orderId == "o3")
        #expect(second == nil)
        #expect(!queue.contains(orderId: "o3") && queue.contains(orderId: "o1"))
        #expect(drain(&queue) == ["o1", "o2", "o0", "o4"])
    }

    @Test func snapshotEqualsDequeueOrderAndDoesNotConsume() {
        var queue = PriorityOrderQueue()
        var generator = SplitMix64(seed: 7)
        let priorities = [low, mid, high]
        for index in 0..<200 {
            let priority = priorities[Int(generator.next() % 3)]
            queue.enqueue(orderId: "o\(index)", ticket: makeOrder(), priority: priority, nowNanos: 0)
        }
        let snapshot = queue.snapshot().map(\.orderId)
        #expect(queue.count == 200)
        #expect(snapshot == drain(&queue))
    }

    @Test func heapMatchesASortedModelOverRandomOperations() throws {
        for seed in [1, 2, 3] as [UInt64] {
            try runModelCheck(seed: seed, operations: 4_000)
        }
    }

    /// Interleaves enqueue, dequeue, remove and requeue on the heap and on a model, a plain array kept in
    /// serving order by linear insertion; the two must agree after every step.
    private func runModelCheck(seed: UInt64, operations: Int) throws {
        var generator = SplitMix64(seed: seed)
        var queue = PriorityOrderQueue()
        var model: [QueuedOrder] = []  // in serving order
        var outside: [QueuedOrder] = []  // dequeued or removed orders, candidates for requeue
        var nextId = 0
        let order = makeOrder()
        func insertIntoModel(_ queued: QueuedOrder) -> Int {
            let index = model.firstIndex { queued.isServed(before: $0) } ?? model.count
            model.insert(queued, at: index)
            return index
        }
        func randomPriority() -> OrderPriority {
            OrderPriority(
                shippingWeight: Int(generator.next() % 3), countryRank: Int(generator.next() % 4),
                sizeBonus: Int(generator.next() % 2))
        }
        var maximumSize = 0
        for step in 0..<operations {
            switch generator.next() % 10 {
            case 0...3:
                let reuse = !model.isEmpty && generator.next() % 8 == 0
                let id = reuse ? model[Int(generator.next() % UInt64(model.count))].orderId : "o\(nextId)"
                let outcome = queue.enqueue(orderId: id, ticket: order, priority: randomPriority(), nowNanos: 0)
                #expect(outcome.isDuplicate == reuse, "step \(step)")
                if !reuse {
                    nextId += 1
                    let index = insertIntoModel(outcome.queuedOrder)
                    #expect(outcome == .enqueued(outcome.queuedOrder, position: index), "step \(step)")
                }
            case 4...6:
                let actual = queue.dequeue()
                #expect(actual?.orderId == model.first?.orderId, "step \(step)")
                if let actual {
                    model.removeFirst()
                    outside.append(actual)
                }
            case 7:
                guard !model.isEmpty else { continue }
                let index = Int(generator.next() % UInt64(model.count))
                let taken = queue.remove(orderId: model[index].orderId)
                let removed = try #require(taken)
                #expect(removed == model[index], "step \(step)")
                outside.append(model.remove(at: index))
            default:
                guard !outside.isEmpty else { continue }
                let back = outside.remove(at: Int(generator.next() % UInt64(outside.count)))
                let accepted = queue.requeue(back)
                #expect(accepted, "step \(step)")
                _ = insertIntoModel(back)
            }
            maximumSize = max(maximumSize, model.count)
            #expect(queue.count == model.count, "step \(step)")
            #expect(queue.peek()?.orderId == model.first?.orderId, "step \(step)")
        }
        #expect(maximumSize >= 20, "the run must build a real heap, not hover around empty")
        #expect(queue.snapshot().map(\.orderId) == model.map(\.orderId))
        var drained: [String] = []
        while let next = queue.dequeue() { drained.append(next.orderId) }
        #expect(drained == model.map(\.orderId))
    }

    @Test func queuedOrderRoundTripsThroughJSON() throws {
        let queued = QueuedOrder(
            orderId: "a", priority: high, enqueueSequence: 3, enqueuedAtNanos: -7, ticket: makeOrder(copies: 4))
        let data = try JSONEncoder().encode(queued)
        #expect(try JSONDecoder().decode(QueuedOrder.self, from: data) == queued)
    }
}
