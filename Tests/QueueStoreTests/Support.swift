import Checkout
import Election
import Foundation
import OrderQueueCore
import SeededRandom

@testable import QueueStore

/// A fresh, empty directory under the system's temporary directory.
func temporaryDirectory(_ name: String = #function) -> String {
    let base = FileManager.default.temporaryDirectory.path
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let path = "\(base)/queue-store-tests/\(safe)-\(UInt64.random(in: 0...UInt64.max))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func ticket(_ id: String, copies: Int = 1, country: String? = "EE") -> OrderTicket {
    OrderTicket(
        orderId: id, items: [.init(name: "Dune — ünïcode", quantity: copies)], shippingMethod: "Express",
        country: country, traceId: "4bf92f3577b34da6a3ce929d0e0e4736")
}

/// Drives a `LeasedOrderQueue` with random operations (several executors, epochs that come and go, stale
/// leaders, acks, releases, expiries) and keeps the records each operation produced.
struct RandomWorkload {
    var random: SplitMix64
    var queue = LeasedOrderQueue(leaseDuration: 40, journaling: true)
    /// Every record, in order.
    var records: [QueueRecord] = []
    var now: UInt64 = 0
    var nextOrder = 0
    var epochs = [Epoch(term: 1, leader: 1)]
    var held: [Lease] = []

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// One random operation; returns the records it produced.
    @discardableResult
    mutating func step() -> [QueueRecord] {
        now += UInt64.random(in: 1...15, using: &random)
        let choice = Int.random(in: 0..<100, using: &random)
        if choice < 40 {
            let id = "order-\(nextOrder)"
            nextOrder += 1
            let priority = OrderPriority(
                shippingWeight: Int.random(in: 0...2, using: &random),
                countryRank: Int.random(in: 0...3, using: &random))
            _ = queue.enqueue(
                ticket: ticket(id, copies: Int.random(in: 1...20, using: &random)), priority: priority,
                nowNanos: Int64(now))
        } else if choice < 43 {
            epochs.append(Epoch(term: epochs.last!.term + 1, leader: Int.random(in: 1...3, using: &random)))
        } else if choice < 70 {
            let epoch =
                Int.random(in: 0..<5, using: &random) == 0 ? epochs.randomElement(using: &random)! : epochs.last!
            let slot = Int.random(in: 0..<4, using: &random)
            if case .leased(let lease, _, false) = queue.dequeue(
                executor: epoch.leader, epoch: epoch, slot: slot, now: now
            ).0 {
                held.append(lease)
            }
        } else if choice < 92, !held.isEmpty {
            let lease = held.remove(at: Int.random(in: 0..<held.count, using: &random))
            _ = queue.ack(
                orderId: lease.orderId, executor: lease.executor, epoch: lease.epoch, leaseID: lease.id, now: now)
        } else if !held.isEmpty {
            let lease = held.remove(at: Int.random(in: 0..<held.count, using: &random))
            _ = queue.release(
                orderId: lease.orderId, executor: lease.executor, epoch: lease.epoch, leaseID: lease.id, now: now)
        }
        let produced = queue.takeJournal()
        records += produced
        return produced
    }
}

/// The image of a queue rebuilt from `records` by the reducer.
func image(of records: some Sequence<QueueRecord>) -> QueueImage {
    var queue = LeasedOrderQueue(leaseDuration: 40)
    for record in records { queue.apply(record) }
    return queue.image
}

/// `records` framed, and the byte offset where each record ends.
func framed(_ records: [QueueRecord]) -> (bytes: [UInt8], ends: [Int]) {
    var bytes: [UInt8] = []
    var ends: [Int] = []
    for record in records {
        Framing.append(record, to: &bytes)
        ends.append(bytes.count)
    }
    return (bytes, ends)
}

func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func segmentPath(_ directory: String, _ generation: UInt64 = 0) -> String {
    StoreLayout(directory: directory).segment(generation)
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
}
