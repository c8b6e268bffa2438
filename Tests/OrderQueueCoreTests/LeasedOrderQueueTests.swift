import Checkout
import Election
import SeededRandom
import Testing

@testable import OrderQueueCore

@Suite("Leases, acknowledgements and fencing")
struct LeasedOrderQueueTests {
    let epoch1 = Epoch(term: 1, leader: 3)
    let epoch2 = Epoch(term: 2, leader: 2)
    let normal = OrderPriority(shippingWeight: 0, countryRank: 0)

    func queue(_ ids: [String], leaseDuration: UInt64 = 1_000) -> LeasedOrderQueue {
        var queue = LeasedOrderQueue(leaseDuration: leaseDuration)
        for (index, id) in ids.enumerated() {
            _ = queue.enqueue(orderId: id, ticket: makeOrder(), priority: normal, nowNanos: Int64(index))
        }
        return queue
    }

    func leased(_ outcome: LeasedOrderQueue.DequeueOutcome) -> Lease? {
        if case .leased(let lease, _, _) = outcome { return lease }
        return nil
    }

    @Test func admissionCountsOnlyNewOrdersAndAdmitsABatchWholeOrNotAtAll() throws {
        var queue = queue(["a", "b"])
        _ = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, now: 10).0))
        // "a" is leased, "b" waits: depth 1. Known orders (waiting or leased) never count against the bound.
        #expect(queue.depth == 1)
        #expect(queue.admits(["a", "b"], maxWaiting: 1))
        #expect(queue.admits(["c"], maxWaiting: 2))
        #expect(!queue.admits(["c"], maxWaiting: 1))
        #expect(!queue.admits(["c", "d"], maxWaiting: 2), "two new orders do not fit beside one waiting")
        #expect(queue.admits(["c", "c", "b"], maxWaiting: 2), "a repeat in the batch is one new order")
    }

    @Test func dequeueLeasesInPriorityOrderAndAckCommitsOnce() throws {
        var queue = queue(["a", "b"])
        let lease = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, now: 10).0))
        #expect(lease.orderId == "a" && lease.deadlineNanos == 1_010 && lease.delivery == 1)
        let (ack, _) = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: lease.id, now: 20)
        guard case .committed(let commit) = ack else {
            Issue.record("expected commit, got \(ack)")
            return
        }
        #expect(commit.executor == 3 && commit.epoch == epoch1)
        let (again, _) = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: lease.id, now: 21)
        #expect(again == .alreadyCommitted(commit))
        #expect(queue.commits.count == 1)
    }

    /// The first answer to an ack can be lost and a newer leader elected before the retry: the retry of the lease
    /// that committed the order learns the commit (not "fenced", which would make the executor believe its work
    /// was refused), while an old epoch's ack of another lease is still fenced and commits nothing.
    @Test func aRetriedAckOfTheCommittingLeaseIsAlreadyCommittedEvenAfterANewerEpoch() throws {
        var queue = queue(["a", "b"])
        let a = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, slot: 0, now: 10).0))
        let b = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, slot: 1, now: 11).0))
        let (first, _) = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: a.id, now: 20)
        guard case .committed(let commit) = first else {
            Issue.record("expected commit, got \(first)")
            return
        }
        _ = queue.dequeue(executor: 2, epoch: epoch2, slot: 0, now: 30)
        let (retry, _) = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: a.id, now: 31)
        #expect(retry == .alreadyCommitted(commit))
        let (otherLease, _) = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: b.id, now: 32)
        #expect(otherLease == .fenced(current: epoch2))
        let (stale, _) = queue.ack(orderId: "b", executor: 3, epoch: epoch1, leaseID: b.id, now: 33)
        #expect(stale == .fenced(current: epoch2))
        #expect(queue.commits.count == 1)
    }

    @Test func aRepeatedRequestForTheSameSlotRenewsTheSameLease() throws {
        var queue = queue(["a", "b"])
        let first = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, slot: 0, now: 10).0))
        let (second, _) = queue.dequeue(executor: 3, epoch: epoch1, slot: 0, now: 50)
        guard case .leased(let renewed, _, let isRenewal) = second else {
            Issue.record("\(second)")
            return
        }
        #expect(isRenewal && renewed.id == first.id && renewed.deadlineNanos == 1_050)
        #expect(queue.depth == 1)
    }

    @Test func eachSlotHoldsItsOwnLeaseAndEachIsAckedOnce() throws {
        var queue = queue(["a", "b", "c"])
        let zero = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, slot: 0, now: 10).0))
        let one = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, slot: 1, now: 11).0))
        #expect(zero.orderId == "a" && one.orderId == "b" && zero.id != one.id)
        #expect(zero.slot == 0 && one.slot == 1 && queue.leases.count == 2 && queue.depth == 1)
        // Acks in any order; a second ack of the same lease commits nothing more.
        let (ackOne, _) = queue.ack(orderId: "b", executor: 3, epoch: epoch1, leaseID: one.id, now: 20)
        let (ackZero, _) = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: zero.id, now: 21)
        guard case .committed = ackOne, case .committed = ackZero else {
            Issue.record("\(ackOne) \(ackZero)")
            return
        }
        let (again, _) = queue.ack(orderId: "b", executor: 3, epoch: epoch1, leaseID: one.id, now: 22)
        guard case .alreadyCommitted = again else {
            Issue.record("\(again)")
            return
        }
        // The freed slot takes the next order.
        let next = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, slot: 1, now: 30).0))
        #expect(next.orderId == "c" && queue.commits.count == 2)
    }

    @Test func aNewerEpochRevokesTheLeasesOfEverySlot() throws {
        var queue = queue(["a", "b", "c"])
        let zero = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, slot: 0, now: 0).0))
        let one = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, slot: 1, now: 0).0))
        let (taken, events) = queue.dequeue(executor: 2, epoch: epoch2, slot: 0, now: 5)
        #expect(events == [.revoked(zero, by: epoch2), .revoked(one, by: epoch2)])
        #expect(try #require(leased(taken)).orderId == "a")
    }

    @Test func aReleasedLeaseWaitsAgainInItsPlaceAndCannotBeAcked() throws {
        var queue = queue(["a", "b"])
        let lease = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, now: 0).0))
        let (released, _) = queue.release(orderId: "a", executor: 3, epoch: epoch1, leaseID: lease.id, now: 1)
        #expect(released == .released(lease))
        #expect(queue.waiting.peek()?.orderId == "a" && queue.leases.isEmpty)
        let (ack, _) = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: lease.id, now: 2)
        #expect(ack == .noLease)
        let (twice, _) = queue.release(orderId: "a", executor: 3, epoch: epoch1, leaseID: lease.id, now: 3)
        #expect(twice == .noLease)
        let (stale, _) = queue.release(
            orderId: "a", executor: 3, epoch: Epoch(term: 0, leader: 1), leaseID: lease.id, now: 4)
        #expect(stale == .fenced(current: epoch1))
        let again = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, now: 5).0))
        #expect(again.orderId == "a" && again.delivery == 2)
    }

    @Test func replayingTheJournalRebuildsTheSameState() throws {
        var queue = LeasedOrderQueue(leaseDuration: 100, journaling: true)
        for (index, id) in ["a", "b", "c", "d"].enumerated() {
            _ = queue.enqueue(orderId: id, ticket: makeOrder(), priority: normal, nowNanos: Int64(index))
        }
        let a = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, slot: 0, now: 0).0))
        _ = queue.dequeue(executor: 3, epoch: epoch1, slot: 1, now: 0)
        _ = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: a.id, now: 10)
        _ = queue.dequeue(executor: 2, epoch: epoch2, slot: 0, now: 20)
        _ = queue.expire(now: 500)
        var replayed = LeasedOrderQueue(leaseDuration: 100)
        for record in queue.takeJournal() {
            let applied = replayed.apply(record)
            #expect(applied, "\(record)")
        }
        #expect(replayed.image == queue.image)
        var restored = LeasedOrderQueue(leaseDuration: 100)
        for record in queue.snapshotRecords() {
            let applied = restored.apply(record)
            #expect(applied, "\(record)")
        }
        #expect(restored.image == queue.image)
        #expect(queue.takeJournal().isEmpty)
    }

    @Test func anExpiredLeaseIsRedeliveredAheadOfLaterOrders() throws {
        var queue = queue(["a", "b"], leaseDuration: 100)
        let first = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, now: 0).0))
        let (late, events) = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: first.id, now: 150)
        #expect(late == .noLease)
        #expect(events == [.expired(first)])
        let again = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, now: 160).0))
        #expect(again.orderId == "a" && again.delivery == 2 && again.id != first.id)
    }

    @Test func aLowerEpochIsFencedAndAHigherOneRevokesOlderLeases() throws {
        var queue = queue(["a", "b"])
        let old = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, now: 0).0))
        // A new leader (epoch 2) takes over while the old one is paused with order "a".
        let (taken, events) = queue.dequeue(executor: 2, epoch: epoch2, now: 10)
        #expect(events == [.revoked(old, by: epoch2)])
        let fresh = try #require(leased(taken))
        #expect(fresh.orderId == "a", "the revoked order is delivered again first")
        // The old leader wakes up: it can neither ack nor dequeue.
        let (ack, _) = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: old.id, now: 20)
        #expect(ack == .fenced(current: epoch2))
        let (dequeue, _) = queue.dequeue(executor: 3, epoch: epoch1, now: 20)
        #expect(dequeue == .fenced(current: epoch2))
        let (commit, _) = queue.ack(orderId: "a", executor: 2, epoch: epoch2, leaseID: fresh.id, now: 30)
        guard case .committed = commit else {
            Issue.record("\(commit)")
            return
        }
        #expect(queue.commits["a"]?.epoch == epoch2)
    }

    @Test func enqueueIsIdempotentWhileWaitingLeasedOrCommitted() throws {
        var queue = queue(["a"])
        guard case .duplicate = queue.enqueue(orderId: "a", ticket: makeOrder(), priority: normal, nowNanos: 5)
        else {
            Issue.record("waiting duplicate stored")
            return
        }
        let lease = try #require(leased(queue.dequeue(executor: 3, epoch: epoch1, now: 0).0))
        guard case .duplicate = queue.enqueue(orderId: "a", ticket: makeOrder(), priority: normal, nowNanos: 6)
        else {
            Issue.record("leased duplicate stored")
            return
        }
        _ = queue.ack(orderId: "a", executor: 3, epoch: epoch1, leaseID: lease.id, now: 1)
        guard case .duplicate = queue.enqueue(orderId: "a", ticket: makeOrder(), priority: normal, nowNanos: 7)
        else {
            Issue.record("committed order stored again")
            return
        }
        #expect(queue.depth == 0)
    }

    @Test func randomFailoversNeverCommitAnOrderTwiceOrLoseOne() {
        // Leaders come and go (each new one with a higher epoch), old leaders keep acking late, leases expire.
        for seed in UInt64(1)...50 {
            var random = SplitMix64(seed: seed)
            var queue = LeasedOrderQueue(leaseDuration: 50)
            let orders = (0..<40).map { "o\($0)" }
            for (index, id) in orders.enumerated() {
                _ = queue.enqueue(orderId: id, ticket: makeOrder(), priority: normal, nowNanos: Int64(index))
            }
            var epochs = [Epoch(term: 1, leader: 1)]
            var held: [Int: Lease] = [:]  // leases executors believe they hold
            var now: UInt64 = 0
            var acks = 0
            for _ in 0..<2_000 {
                now += UInt64.random(in: 1...20, using: &random)
                let executor = Int.random(in: 1...3, using: &random)
                if Int.random(in: 0..<40, using: &random) == 0 {
                    epochs.append(Epoch(term: epochs.last!.term + 1, leader: executor))
                }
                // Executors sometimes act on a stale epoch (paused leaders).
                let epoch = Bool.random(using: &random) ? epochs.last! : epochs.randomElement(using: &random)!
                if let lease = held[executor], Bool.random(using: &random) {
                    let (outcome, _) = queue.ack(
                        orderId: lease.orderId, executor: executor, epoch: lease.epoch, leaseID: lease.id, now: now)
                    if case .committed = outcome { acks += 1 }
                    held[executor] = nil
                } else if case .leased(let lease, _, _) = queue.dequeue(executor: executor, epoch: epoch, now: now).0 {
                    held[executor] = lease
                }
            }
            // Drain with a final leader.
            let final = Epoch(term: epochs.last!.term + 1, leader: 9)
            while case .leased(let lease, _, _) = queue.dequeue(executor: 9, epoch: final, now: now).0 {
                if case .committed = queue.ack(
                    orderId: lease.orderId, executor: 9, epoch: final, leaseID: lease.id, now: now
                ).0 {
                    acks += 1
                }
            }
            #expect(acks == orders.count, "seed \(seed): \(acks) commits for \(orders.count) orders")
            #expect(Set(queue.commits.keys) == Set(orders), "seed \(seed)")
            #expect(queue.depth == 0 && queue.leases.isEmpty, "seed \(seed)")
        }
    }
}
