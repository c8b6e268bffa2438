import Election
import Foundation
import OrderQueueCore
import Testing

@testable import QueueStore

/// Log segments are zero-filled ahead of the writes (`SegmentFile`) so that appends are made durable with
/// `fdatasync`: the zeros after the last frame are the end of the log, anything else after it is damage.
@Suite("Preallocated log segments")
struct PreallocatedSegmentTests {
    private func records(_ seed: UInt64, steps: Int = 80) -> [QueueRecord] {
        var workload = RandomWorkload(seed: seed)
        for _ in 0..<steps { workload.step() }
        return workload.records
    }

    private func read(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func aZeroTailEndsTheScanWithoutDamageButZerosBeforeOtherBytesAreDamage() {
        let (bytes, ends) = framed(records(3))
        for zeros in [1, 7, 8, 9, 4096] {
            let scan = Framing.scan(bytes + [UInt8](repeating: 0, count: zeros), zeroTailEnds: true) { _ in }
            #expect(scan == Framing.Scan(records: ends.count, validEnd: bytes.count, damage: nil), "\(zeros) zeros")
            let strict = Framing.scan(bytes + [UInt8](repeating: 0, count: zeros)) { _ in }
            #expect(strict.damage != nil && strict.validEnd == bytes.count, "a snapshot never ends in zeros")
        }
        // A write cut short leaves its later bytes after zeros: damage, cut at the last good frame.
        var torn = bytes + [UInt8](repeating: 0, count: 64)
        torn[torn.count - 3] = 0x5A
        let scan = Framing.scan(torn, zeroTailEnds: true) { _ in }
        #expect(scan.records == ends.count && scan.validEnd == bytes.count && scan.damage != nil)
    }

    /// The open segment is longer than its frames (zeros after them) and a restart appends right after the last
    /// frame; a clean close cuts the zeros.
    @Test func appendsGoAfterTheLastFrameAndACleanCloseCutsTheZeros() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let history = records(11)
        var queue = LeasedOrderQueue(leaseDuration: 40, journaling: true)
        var (store, _) = try QueueStore.open(directory: directory, into: &queue)
        try store.waitDurable(try store.append(Array(history.prefix(40))))
        let (firstBytes, _) = framed(Array(history.prefix(40)))
        let open = try read(segmentPath(directory))
        #expect(open.count >= firstBytes.count + SegmentFile.growthBytes / 2, "zeros ahead of the writes")
        #expect(Array(open.prefix(firstBytes.count)) == firstBytes && Framing.isZero(open, from: firstBytes.count))
        #expect(store.statistics.growths == 1, "one growth (with its fsync) at open, none per append")
        // A crash now (no clean close): the zero tail is the end of the log, not damage.
        let crashed = Data(open)
        store.close()
        #expect(fileSize(segmentPath(directory)) == firstBytes.count, "a clean close cuts the zeros")
        try crashed.write(to: URL(fileURLWithPath: segmentPath(directory)))
        var replayed = LeasedOrderQueue(leaseDuration: 40, journaling: true)
        var recovery: QueueStore.Recovery
        (store, recovery) = try QueueStore.open(directory: directory, into: &replayed)
        #expect(recovery.damage.isEmpty && recovery.logRecords == 40)
        try store.waitDurable(try store.append(Array(history.dropFirst(40))))
        store.close()
        #expect(try read(segmentPath(directory)) == framed(history).bytes, "the rest follows the first frames")
        var reopened = LeasedOrderQueue(leaseDuration: 40)
        (store, recovery) = try QueueStore.open(directory: directory, into: &reopened)
        store.close()
        #expect(recovery.damage.isEmpty && recovery.logRecords == history.count)
        #expect(reopened.image == image(of: history))
    }

    /// Appends beyond the zeros grow the file (zeros again, synced) and every record survives a crash image.
    @Test func aSegmentGrowsPastItsPreallocatedSize() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = LeasedOrderQueue(leaseDuration: 40, journaling: true)
        var (store, _) = try QueueStore.open(directory: directory, into: &queue)
        var written = 0
        var appended = 0
        while written < SegmentFile.growthBytes + SegmentFile.growthBytes / 2 {
            let order = QueuedOrder(
                orderId: "order-\(appended)", priority: OrderPriority(shippingWeight: 0, countryRank: 0),
                enqueueSequence: UInt64(appended), enqueuedAtNanos: 1, ticket: ticket("order-\(appended)"))
            var bytes: [UInt8] = []
            Framing.append(.enqueued(order), to: &bytes)
            written += bytes.count
            _ = try store.append([.enqueued(order)])
            appended += 1
        }
        try store.waitDurable(try store.append([.epoch(Epoch(term: 1, leader: 1))]))
        #expect(store.statistics.growths >= 2)
        let image = try read(segmentPath(directory))
        store.close()
        try Data(image).write(to: URL(fileURLWithPath: segmentPath(directory)))
        var replayed = LeasedOrderQueue(leaseDuration: 40)
        let recovery: QueueStore.Recovery
        (store, recovery) = try QueueStore.open(directory: directory, into: &replayed)
        store.close()
        #expect(recovery.damage.isEmpty && recovery.logRecords == appended + 1)
        #expect(replayed.depth == appended)
    }

    /// A snapshot ends the segment: the finished one is cut to its frames (no zero tail stays behind it).
    @Test func aSnapshotCutsTheFinishedSegmentToItsFrames() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let history = records(5, steps: 60)
        var workload = LeasedOrderQueue(leaseDuration: 40)
        var queue = LeasedOrderQueue(leaseDuration: 40, journaling: true)
        let (store, _) = try QueueStore.open(directory: directory, into: &queue)
        for record in history { workload.apply(record) }
        try store.waitDurable(try store.append(history))
        let segment = segmentPath(directory)
        // Keep segment 0 alive past the snapshot: hard-link it first (the snapshot deletes what it covers).
        let kept = directory + "/kept.log"
        #expect(link(segment, kept) == 0)
        store.snapshot(workload)
        try store.waitDurable(try store.append([.epoch(Epoch(term: 9, leader: 1))]))
        store.close()
        #expect(try read(kept) == framed(history).bytes)
    }
}
