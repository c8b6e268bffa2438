import Foundation
import OrderQueueCore
import Synchronization
import Testing

@testable import QueueStore

/// The queue's trace records ride on its log as effects: they must never run before their change is on disk,
/// must run in the order of the appends, and must have run when `waitDurable` returns.
@Suite("Write-ahead log effects")
struct DurableEffectsTests {
    struct Observed {
        var appendedBytes = 0
        var ran: [Int] = []
        var early: [String] = []
    }

    @Test func effectsRunOnlyOnceTheirRecordsAreOnDiskInAppendOrderBeforeTheWaitReturns() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = LeasedOrderQueue()
        let (store, _) = try QueueStore.open(directory: directory, into: &queue)
        let observed = Mutex(Observed())
        let appends = Mutex(0)
        let threads = (0..<8).map { thread in
            Thread {
                for round in 0..<30 {
                    // Every third append logs nothing: its effect must still wait for the appends before it.
                    let withRecord = round % 3 != 0
                    let ticket = appends.withLock { count -> UInt64? in
                        let index = count
                        count += 1
                        var records: [QueueRecord] = []
                        if withRecord { records = [.enqueued(Self.order(thread * 30 + round))] }
                        var frames: [UInt8] = []
                        for record in records { Framing.append(record, to: &frames) }
                        let expected = observed.withLock { state in
                            state.appendedBytes += frames.count
                            return state.appendedBytes
                        }
                        let effect: QueueStore.Effect = {
                            let size = Self.logBytes(directory)
                            observed.withLock { state in
                                if size < expected { state.early.append("#\(index): \(size) < \(expected) bytes") }
                                state.ran.append(index)
                            }
                        }
                        return try? store.append(records, then: [effect])
                    }
                    guard let ticket else { continue }
                    try? store.waitDurable(ticket)
                }
            }
        }
        for thread in threads { thread.start() }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.01) }
        store.close()
        let result = observed.withLock { $0 }
        #expect(result.early.isEmpty, "effects ran before their records were on disk: \(result.early.prefix(5))")
        #expect(result.ran == Array(0..<240), "effects ran out of append order or not at all")
    }

    @Test func anEffectOnlyAppendWithNothingPendingRunsAtOnce() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = LeasedOrderQueue()
        let (store, _) = try QueueStore.open(directory: directory, into: &queue)
        defer { store.close() }
        let ran = Mutex(false)
        let ticket = try store.append([], then: [{ ran.withLock { $0 = true } }])
        #expect(ran.withLock { $0 }, "nothing was pending, yet the effect was deferred")
        try store.waitDurable(ticket)
    }

    static func order(_ index: Int) -> QueuedOrder {
        QueuedOrder(
            orderId: "o\(index)", priority: OrderPriority(shippingWeight: 0, countryRank: 0),
            enqueueSequence: UInt64(index), enqueuedAtNanos: 0, ticket: ticket("o\(index)"))
    }

    /// The bytes of every log segment in `directory` (no snapshot is taken in these tests).
    static func logBytes(_ directory: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("wal-") }.reduce(0) { total, name in
            var info = stat()
            return total + (stat("\(directory)/\(name)", &info) == 0 ? Int(info.st_size) : 0)
        }
    }
}
