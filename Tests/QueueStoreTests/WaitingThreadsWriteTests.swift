import Foundation
import OrderQueueCore
import Synchronization
import Testing

@testable import QueueStore

/// The threads that wait for their appends write the log themselves: a lone append is written by its own thread
/// (no hand-off to another thread and back), and appends made while a batch is being written share the next
/// batch, written by the oldest thread waiting for it.
@Suite("Write-ahead log written by its waiting threads")
struct WaitingThreadsWriteTests {
    @Test func aLoneAppendIsWrittenByTheThreadThatWaitsForIt() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = LeasedOrderQueue()
        let (store, _) = try QueueStore.open(directory: directory, into: &queue)
        let writer = Mutex<pthread_t?>(nil)
        let ticket = try store.append(
            [.enqueued(DurableEffectsTests.order(1))], then: [{ writer.withLock { $0 = pthread_self() } }])
        try store.waitDurable(ticket)
        let wrote = writer.withLock { $0 }
        #expect(wrote.map { pthread_equal($0, pthread_self()) != 0 } == true, "another thread wrote the append")
        store.close()
        var reopened = LeasedOrderQueue()
        let (again, _) = try QueueStore.open(directory: directory, into: &reopened)
        again.close()
        #expect(reopened.waiting.snapshot().map(\.orderId) == ["o1"])
    }

    @Test func appendsQueuedDuringABatchShareTheNextOneWrittenByTheOldestWaiter() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = LeasedOrderQueue()
        let (store, _) = try QueueStore.open(directory: directory, into: &queue)
        // The first batch's effect holds its writer until two more appends wait behind it.
        let release = DispatchSemaphore(value: 0)
        let writers = Mutex<[Int: pthread_t]>([:])
        let threadOf = Mutex<[Int: pthread_t]>([:])
        func appendAndWait(_ index: Int, hold: Bool) -> Thread {
            let thread = Thread {
                threadOf.withLock { $0[index] = pthread_self() }
                let effect: QueueStore.Effect = {
                    writers.withLock { $0[index] = pthread_self() }
                    if hold { release.wait() }
                }
                guard let ticket = try? store.append([.enqueued(DurableEffectsTests.order(index))], then: [effect])
                else { return }
                try? store.waitDurable(ticket)
            }
            thread.start()
            return thread
        }
        let first = appendAndWait(1, hold: true)
        try waitUntil { writers.withLock { $0[1] != nil } }
        let second = appendAndWait(2, hold: false)
        try waitUntil { store.waitingThreads == 1 }
        let third = appendAndWait(3, hold: false)
        try waitUntil { store.waitingThreads == 2 }
        release.signal()
        try waitUntil { [first, second, third].allSatisfy(\.isFinished) }
        let batches = store.statistics.batches
        store.close()
        #expect(batches == 2, "appends 2 and 3 did not share one batch: \(batches) batches")
        let (wrote, ran) = (writers.withLock { $0 }, threadOf.withLock { $0 })
        #expect(wrote[1].map { pthread_equal($0, ran[1]!) != 0 } == true)
        // The oldest waiter (the second append's thread) wrote the third append too.
        #expect(wrote[2].map { pthread_equal($0, ran[2]!) != 0 } == true)
        #expect(wrote[3].map { pthread_equal($0, ran[2]!) != 0 } == true)
        var reopened = LeasedOrderQueue()
        let (again, _) = try QueueStore.open(directory: directory, into: &reopened)
        again.close()
        #expect(reopened.waiting.snapshot().map(\.orderId).sorted() == ["o1", "o2", "o3"])
    }

    @Test func aSnapshotQueuedWithNobodyWaitingIsWrittenByTheStoresThread() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = LeasedOrderQueue(journaling: true)
        let (store, _) = try QueueStore.open(directory: directory, into: &queue)
        _ = queue.enqueue(ticket: ticket("s1"), priority: OrderPriority(shippingWeight: 0, countryRank: 0), nowNanos: 0)
        try store.waitDurable(try store.append(queue.takeJournal()))
        store.snapshot(queue)
        try waitUntil { store.statistics.snapshots == 1 }
        store.close()
    }

    /// Polls `condition` every millisecond for up to 10 s.
    private func waitUntil(_ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        while !condition() {
            guard Date() < deadline else { throw TimedOut() }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    private struct TimedOut: Error {}
}
