import Checkout
import Election
import Testing

@testable import OrderQueueCore

/// Batch leases: one request leases up to `count` orders for one slot, each under its own lease.
@Suite("Batch leases")
struct LeasedOrderQueueBatchTests {
    let epoch1 = Epoch(term: 1, leader: 3)
    let epoch2 = Epoch(term: 2, leader: 2)
    let normal = OrderPriority(shippingWeight: 0, countryRank: 0)

    func queue(_ ids: [String]) -> LeasedOrderQueue {
        var queue = LeasedOrderQueue(leaseDuration: 1_000, journaling: true)
        for (index, id) in ids.enumerated() {
            _ = queue.enqueue(orderId: id, ticket: makeOrder(), priority: normal, nowNanos: Int64(index))
        }
        return queue
    }

    func leases(_ first: LeasedOrderQueue.DequeueOutcome, _ more: [LeasedOrder]) -> [Lease] {
        guard case .leased(let lease, _, _) = first else { return [] }
        return [lease] + more.map(\.lease)
    }

    @Test func aBatchLeaseTakesUpToCountOrdersInServingOrderEachUnderItsOwnLeaseOfTheSlot() {
        var queue = queue(["a", "b", "c", "d"])
        let (first, more, _) = queue.dequeue(executor: 3, epoch: epoch1, slot: 2, count: 3, now: 10)
        let taken = leases(first, more)
        #expect(taken.map(\.orderId) == ["a", "b", "c"])
        #expect(Set(taken.map(\.id)).count == 3 && taken.allSatisfy { $0.slot == 2 && $0.deadlineNanos == 1_010 })
        #expect(queue.depth == 1 && queue.leases.count == 3)
        let (rest, none, _) = queue.dequeue(executor: 3, epoch: epoch1, slot: 1, count: 3, now: 11)
        #expect(leases(rest, none).map(\.orderId) == ["d"], "fewer wait than asked: what waits")
    }

    /// The reply to a batch lease was lost: the repeat renews every lease the slot holds and takes no new order.
    @Test func aRepeatedBatchLeaseRenewsEveryLeaseOfTheSlotAndTakesNoOtherOrder() {
        var queue = queue(["a", "b", "c", "d"])
        let (first, more, _) = queue.dequeue(executor: 3, epoch: epoch1, slot: 0, count: 2, now: 10)
        let (again, againMore, _) = queue.dequeue(executor: 3, epoch: epoch1, slot: 0, count: 2, now: 500)
        guard case .leased(_, _, let renewed) = again else {
            Issue.record("expected the leases renewed, got \(again)")
            return
        }
        #expect(renewed && leases(again, againMore).map(\.id) == leases(first, more).map(\.id))
        #expect(leases(again, againMore).allSatisfy { $0.deadlineNanos == 1_500 })
        #expect(queue.depth == 2 && queue.leases.count == 2)
    }

    /// A batch lease under the old leader's epoch after a newer leader took orders: fenced, nothing leased; and the
    /// newer leader's request revoked the old batch first.
    @Test func aBatchLeaseOfAnOldLeaderIsFencedAfterALeaderChange() {
        var queue = queue(["a", "b", "c"])
        _ = queue.dequeue(executor: 3, epoch: epoch1, slot: 0, count: 2, now: 10)
        let (newer, newerMore, events) = queue.dequeue(executor: 2, epoch: epoch2, slot: 0, count: 3, now: 20)
        #expect(events.count == 2, "the old batch's two leases are revoked")
        #expect(leases(newer, newerMore).map(\.orderId) == ["a", "b", "c"])
        let (stale, staleMore, _) = queue.dequeue(executor: 3, epoch: epoch1, slot: 0, count: 2, now: 30)
        #expect(stale == .fenced(current: epoch2) && staleMore.isEmpty)
        #expect(queue.leases.values.allSatisfy { $0.lease.executor == 2 })
    }

    @Test func aBatchLeaseIsRebuiltFromItsRecords() {
        var queue = queue(["a", "b", "c"])
        _ = queue.dequeue(executor: 3, epoch: epoch1, slot: 0, count: 3, now: 10)
        var replayed = LeasedOrderQueue(leaseDuration: 1_000)
        for record in queue.takeJournal() {
            let applied = replayed.apply(record)
            #expect(applied)
        }
        #expect(replayed.image == queue.image)
    }
}
