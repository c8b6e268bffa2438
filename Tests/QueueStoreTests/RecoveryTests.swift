import Election
import Foundation
import OrderQueueCore
import Testing

@testable import QueueStore

/// Seeds of the property test: `QUEUE_STORE_SEEDS` raises it for longer runs.
let propertySeeds = UInt64(ProcessInfo.processInfo.environment["QUEUE_STORE_SEEDS"].flatMap(Int.init) ?? 6)

@Suite("Write-ahead log recovery")
struct RecoveryTests {
    /// Random histories; a crash can cut the log at any byte: what is replayed equals the model (the records
    /// up to the last complete one, applied in order), both by the pure scan at every byte offset of the last
    /// records and through the real files (open, cut, reopen) at every offset of the last record.
    @Test func replayAfterACutAtAnyByteEqualsTheModelAtTheLastCompleteRecord() throws {
        for seed in 1...propertySeeds {
            var workload = RandomWorkload(seed: seed)
            for _ in 0..<300 { workload.step() }
            let records = workload.records
            #expect(image(of: records) == workload.queue.image, "seed \(seed): the journal rebuilds the queue")
            let (bytes, ends) = framed(records)
            let window = max(0, ends.count - 6)
            let firstCut = window == 0 ? 0 : ends[window - 1]
            // Everything before the window replayed once; each cut scans the rest.
            var base = LeasedOrderQueue(leaseDuration: 40)
            #expect(Framing.scan(Array(bytes[0..<firstCut])) { base.apply($0) }.records == window)
            let expected = (window...records.count).map { image(of: records.prefix($0)) }
            for cut in firstCut...bytes.count {
                let complete = ends.prefix { $0 <= cut }.count
                var replayed = base
                let scan = Framing.scan(Array(bytes[firstCut..<cut])) { replayed.apply($0) }
                #expect(scan.records == complete - window, "seed \(seed) cut \(cut)")
                #expect(firstCut + scan.validEnd == (complete == 0 ? 0 : ends[complete - 1]), "seed \(seed) cut \(cut)")
                #expect(replayed.image == expected[complete - window], "seed \(seed) cut \(cut)")
            }
            let directory = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for cut in (ends[ends.count - 2] + 1)..<bytes.count {
                try write(Array(bytes[0..<cut]), to: segmentPath(directory))
                var queue = LeasedOrderQueue(leaseDuration: 40)
                let (store, recovery) = try QueueStore.open(directory: directory, into: &queue)
                store.close()
                #expect(recovery.logRecords == records.count - 1 && recovery.damage.count == 1)
                #expect(fileSize(segmentPath(directory)) == ends[ends.count - 2], "the torn tail is cut")
                #expect(queue.image == image(of: records.dropLast()), "seed \(seed) cut \(cut)")
            }
        }
    }

    @Test func aTornTailIsCutAndLaterAppendsFollowTheLastGoodRecord() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var workload = RandomWorkload(seed: 99)
        for _ in 0..<50 { workload.step() }
        let (bytes, _) = framed(workload.records)
        // Half a frame after the good records, as a crash mid-write leaves it.
        var extra: [UInt8] = []
        Framing.append(.epoch(Epoch(term: 99, leader: 1)), to: &extra)
        try write(bytes + extra.prefix(extra.count / 2), to: segmentPath(directory))
        var queue = LeasedOrderQueue(leaseDuration: 40, journaling: true)
        var (store, recovery) = try QueueStore.open(directory: directory, into: &queue)
        // The half frame is gone: the segment holds the good frames, then only zeros (its preallocated tail).
        let cut = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segmentPath(directory))))
        #expect(recovery.damage.count == 1 && Array(cut.prefix(bytes.count)) == bytes)
        #expect(cut.count > bytes.count && Framing.isZero(cut, from: bytes.count))
        _ = queue.enqueue(
            ticket: ticket("after-cut"), priority: OrderPriority(shippingWeight: 0, countryRank: 0), nowNanos: 1)
        try store.waitDurable(try store.append(queue.takeJournal()))
        store.close()
        var reopened = LeasedOrderQueue(leaseDuration: 40)
        (store, recovery) = try QueueStore.open(directory: directory, into: &reopened)
        store.close()
        #expect(recovery.damage.isEmpty && recovery.logRecords == workload.records.count + 1)
        #expect(reopened.image == queue.image)
        #expect(reopened.waiting.contains(orderId: "after-cut"))
    }

    /// Snapshots every few records: the directory keeps one snapshot and the segments after it, and a restart
    /// rebuilds the same state as the uninterrupted queue.
    @Test func snapshotsTruncateTheLogAndReplayToTheSameState() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var workload = RandomWorkload(seed: 7)
        var live = LeasedOrderQueue(leaseDuration: 40, journaling: true)
        var (store, _) = try QueueStore.open(directory: directory, into: &live)
        var largest = 0
        for round in 0..<1_500 {
            let produced = workload.step()
            try store.waitDurable(try store.append(produced))
            if store.recordsSinceSnapshot >= 100 { store.snapshot(workload.queue) }
            if round % 100 == 99 {
                let files = try FileManager.default.contentsOfDirectory(atPath: directory)
                largest = max(largest, files.count)
            }
        }
        store.close()
        #expect(store.statistics.snapshots >= 10)
        #expect(largest <= 4, "old segments and snapshots are deleted (LOCK, snapshot, one or two segments)")
        var restored = LeasedOrderQueue(leaseDuration: 40)
        let recovery: QueueStore.Recovery
        (store, recovery) = try QueueStore.open(directory: directory, into: &restored)
        store.close()
        #expect(recovery.snapshotRecords > 0 && recovery.logRecords < 200 && recovery.skippedRecords == 0)
        #expect(restored.image == workload.queue.image)
    }

    /// After a restart: leases of the old process are void (their orders wait again in their places), the
    /// highest epoch still fences old leaders, and committed ids are still refused.
    @Test func recoveryRevokesLeasesRestoresFencingAndRemembersCommits() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let normal = OrderPriority(shippingWeight: 0, countryRank: 0)
        let epoch = Epoch(term: 4, leader: 2)
        var queue = LeasedOrderQueue(leaseDuration: 1_000, journaling: true)
        var (store, _) = try QueueStore.open(directory: directory, into: &queue)
        for id in ["a", "b", "c"] { _ = queue.enqueue(ticket: ticket(id), priority: normal, nowNanos: 0) }
        guard case .leased(let first, _, _) = queue.dequeue(executor: 2, epoch: epoch, slot: 0, now: 1).0,
            case .leased(let second, _, _) = queue.dequeue(executor: 2, epoch: epoch, slot: 1, now: 1).0
        else { return #expect(Bool(false), "no leases") }
        _ = queue.ack(orderId: second.orderId, executor: 2, epoch: epoch, leaseID: second.id, now: 2)
        try store.waitDurable(try store.append(queue.takeJournal()))
        store.close()

        var restarted = LeasedOrderQueue(leaseDuration: 1_000, journaling: true)
        (store, _) = try QueueStore.open(directory: directory, into: &restarted)
        defer { store.close() }
        #expect(restarted.revokeAllLeases().map(\.id) == [first.id])
        #expect(restarted.waiting.snapshot().map(\.orderId) == ["a", "c"], "the leased order waits in its place")
        #expect(restarted.highestEpoch == epoch)
        let stale = restarted.dequeue(executor: 1, epoch: Epoch(term: 3, leader: 3), now: 0).0
        #expect(stale == .fenced(current: epoch))
        #expect(restarted.enqueue(ticket: ticket("b"), priority: normal, nowNanos: 5).isDuplicate)
        guard case .leased(let fresh, _, _) = restarted.dequeue(executor: 2, epoch: epoch, slot: 0, now: 0).0 else {
            return #expect(Bool(false), "no lease after restart")
        }
        #expect(fresh.id > second.id && fresh.delivery == 2, "lease ids are never reused; deliveries count on")
    }

    @Test func aSecondStoreOnTheSameDirectoryIsRefused() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = LeasedOrderQueue()
        let (store, _) = try QueueStore.open(directory: directory, into: &queue)
        var other = LeasedOrderQueue()
        #expect(throws: StoreError.self) { _ = try QueueStore.open(directory: directory, into: &other) }
        store.close()
        let (again, _) = try QueueStore.open(directory: directory, into: &other)
        again.close()
    }

    /// Many threads appending at once share fsyncs (fewer batches than appends), and every append is durable
    /// when its wait returns.
    @Test func concurrentAppendsAreGroupCommitted() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = LeasedOrderQueue()
        let (store, _) = try QueueStore.open(directory: directory, into: &queue)
        let threads = (0..<16).map { thread in
            Thread {
                for round in 0..<25 {
                    let index = thread * 25 + round
                    let order = QueuedOrder(
                        orderId: "o\(index)", priority: OrderPriority(shippingWeight: 0, countryRank: 0),
                        enqueueSequence: UInt64(index), enqueuedAtNanos: 0, ticket: ticket("o\(index)"))
                    try? store.waitDurable(try store.append([.enqueued(order)]))
                }
            }
        }
        for thread in threads { thread.start() }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.01) }
        store.close()
        #expect(store.statistics.records == 400 && store.statistics.batches < 400)
        var reopened = LeasedOrderQueue()
        let (again, recovery) = try QueueStore.open(directory: directory, into: &reopened)
        again.close()
        #expect(recovery.logRecords == 400 && reopened.depth == 400)
    }

    /// A crash during a snapshot leaves either the old snapshot with both segments, or the new snapshot with the
    /// old segment not yet deleted: both replay to the same state, and what the new snapshot covers is removed.
    @Test func aCrashAtAnyStepOfASnapshotReplaysToTheSameState() throws {
        var workload = RandomWorkload(seed: 21)
        for _ in 0..<200 { workload.step() }
        let records = workload.records
        let split = records.count / 2
        let expected = image(of: records)
        var before = LeasedOrderQueue(leaseDuration: 40)
        for record in records.prefix(split) { before.apply(record) }
        var snapshot: [UInt8] = []
        for record in before.snapshotRecords() { Framing.append(record, to: &snapshot) }
        let first = framed(Array(records.prefix(split))).bytes
        let second = framed(Array(records.dropFirst(split))).bytes
        let layout = { (directory: String) in StoreLayout(directory: directory) }

        // Crash after the new segment was started, before the snapshot was renamed into place.
        let early = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: early) }
        try write(first, to: layout(early).segment(0))
        try write(second, to: layout(early).segment(1))
        try write(snapshot, to: layout(early).snapshot(1) + ".tmp")
        var queue = LeasedOrderQueue(leaseDuration: 40)
        var (store, recovery) = try QueueStore.open(directory: early, into: &queue)
        store.close()
        #expect(queue.image == expected && recovery.logRecords == records.count && recovery.snapshotRecords == 0)
        #expect(!FileManager.default.fileExists(atPath: layout(early).snapshot(1) + ".tmp"))

        // Crash after the rename, before the covered segment was deleted.
        let late = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: late) }
        try write(first, to: layout(late).segment(0))
        try write(second, to: layout(late).segment(1))
        try write(snapshot, to: layout(late).snapshot(1))
        queue = LeasedOrderQueue(leaseDuration: 40)
        (store, recovery) = try QueueStore.open(directory: late, into: &queue)
        store.close()
        #expect(queue.image == expected && recovery.logRecords == records.count - split)
        #expect(!FileManager.default.fileExists(atPath: layout(late).segment(0)), "the covered segment is removed")
    }

    @Test func aDamagedSnapshotStopsTheQueueFromStarting() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var bytes: [UInt8] = []
        Framing.append(.epoch(Epoch(term: 2, leader: 1)), to: &bytes)
        bytes[bytes.count - 1] ^= 0xFF
        try write(bytes, to: StoreLayout(directory: directory).snapshot(3))
        var queue = LeasedOrderQueue()
        #expect(throws: StoreError.self) { _ = try QueueStore.open(directory: directory, into: &queue) }
    }
}
