import Checkout
import Election
import Foundation
import OrderQueueCore
import Testing

@testable import QueueStore

@Suite("Record formats across versions")
struct RecordCompatibilityTests {
    /// A log written by the encoder before tickets carried `parentSpanId`: an `epoch` record (type 5, term 1,
    /// leader 1) and an `enqueued` record (type 1) of order `old-1` (priority 2/1/0, sequence 5, enqueued at
    /// 1000 ns, one "Dune" ×2, Express, EE, a trace id). Frozen bytes: they must replay as long as type 1 is read.
    static let oldLog = hexBytes(
        "03000000944b9f0e0501024b0000003a8b9f7501056f6c642d3104020005d00f056f6c642d3102010444756e6501040107457870"
            + "726573730102454501203462663932663335373762333464613661336365393239643065306534373336")

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static let oldOrder = QueuedOrder(
        orderId: "old-1", priority: OrderPriority(shippingWeight: 2, countryRank: 1, sizeBonus: 0), enqueueSequence: 5,
        enqueuedAtNanos: 1000,
        ticket: OrderTicket(
            orderId: "old-1", items: [.init(name: "Dune", quantity: 2)], shippingMethod: "Express", country: "EE",
            traceId: "4bf92f3577b34da6a3ce929d0e0e4736"))

    @Test func anOldFormatLogStillReplaysWithNoParentSpan() throws {
        var decoded: [QueueRecord] = []
        let scan = Framing.scan(Self.oldLog) { decoded.append($0) }
        #expect(scan == Framing.Scan(records: 2, validEnd: Self.oldLog.count, damage: nil))
        #expect(decoded == [.epoch(Epoch(term: 1, leader: 1)), .enqueued(Self.oldOrder)])

        // Through the real files: the old segment opens, and what is appended after it replays with it.
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write(Self.oldLog, to: segmentPath(directory))
        var queue = LeasedOrderQueue(leaseDuration: 40)
        let (store, recovery) = try QueueStore.open(directory: directory, into: &queue)
        #expect(recovery.damage.isEmpty && queue.image.waiting == [Self.oldOrder])
        var newer = Self.oldOrder
        newer.orderId = "new-1"
        newer.ticket.orderId = "new-1"
        newer.ticket.parentSpanId = "00f067aa0ba902b7"
        newer.enqueueSequence = 6
        try store.waitDurable(try store.append([.enqueued(newer)]))
        store.close()
        var reopened = LeasedOrderQueue(leaseDuration: 40)
        let (again, second) = try QueueStore.open(directory: directory, into: &reopened)
        again.close()
        #expect(second.damage.isEmpty)
        #expect(reopened.image.waiting.map(\.ticket.parentSpanId) == [nil, "00f067aa0ba902b7"])
    }

    @Test func enqueuesAreWrittenAsTheNewTypeAndKeepTheirParentSpan() {
        var order = Self.oldOrder
        order.ticket.parentSpanId = "b7ad6b7169203331"
        let (bytes, _) = framed([.enqueued(order)])
        #expect(bytes[Framing.headerSize] == RecordCodec.Tag.enqueuedWithSpan.rawValue)
        var decoded: [QueueRecord] = []
        _ = Framing.scan(bytes) { decoded.append($0) }
        #expect(decoded == [.enqueued(order)])
        var without = Self.oldOrder
        without.ticket.parentSpanId = nil
        decoded = []
        _ = Framing.scan(framed([.enqueued(without)]).bytes) { decoded.append($0) }
        #expect(decoded == [.enqueued(without)])
    }

    /// The parent span id is held to the wire's rule on disk too: nothing refused on the wire comes back.
    @Test func aParentSpanTheWireWouldRefuseIsDamageOnDisk() {
        for bad in [
            "B7AD6B7169203331", "b7ad6b716920333", "b7ad6b71692033311", "0000000000000000", "b7ad6b716920333g", "",
        ] {
            var order = Self.oldOrder
            order.ticket.parentSpanId = bad
            #expect(QueueBounds.problem(ticket: order.ticket) != nil, "the wire refuses \(bad)")
            let (bytes, ends) = framed([.epoch(Epoch(term: 1, leader: 1)), .enqueued(order)])
            let scan = Framing.scan(bytes) { _ in }
            #expect(scan.records == 1 && scan.validEnd == ends[0] && scan.damage != nil, "\(bad)")
        }
    }
}
