import Checkout
import Election
import OrderQueueCore
import Testing

@testable import QueueStore

@Suite("Record encoding and framing")
struct RecordCodecTests {
    let epoch = Epoch(term: 7, leader: 3)

    var everyKind: [QueueRecord] {
        let order = QueuedOrder(
            orderId: "a-1", priority: OrderPriority(shippingWeight: 2, countryRank: 1, sizeBonus: 1),
            enqueueSequence: 41, enqueuedAtNanos: -5, ticket: ticket("a-1"))
        let lease = Lease(
            id: 9, orderId: "a-1", executor: 3, epoch: epoch, grantedAtNanos: 10, deadlineNanos: .max, delivery: 2,
            slot: 5)
        return [
            .enqueued(order), .leased(lease), .committed(Commit(orderId: "a-1", executor: 3, epoch: epoch, leaseID: 9)),
            .returned(orderId: "a-1", leaseID: .max, reason: .recovered), .epoch(epoch),
            .counters(nextSequence: .max, nextLeaseID: 1), .deliveries(orderId: "b", count: 3),
            .enqueued(
                QueuedOrder(
                    orderId: "c", priority: OrderPriority(shippingWeight: 0, countryRank: 0), enqueueSequence: 0,
                    enqueuedAtNanos: .min,
                    ticket: OrderTicket(orderId: "c", items: [.init()], shippingMethod: nil, country: nil))),
        ]
    }

    @Test func everyRecordKindRoundTripsThroughFrames() {
        let (bytes, _) = framed(everyKind)
        var decoded: [QueueRecord] = []
        let scan = Framing.scan(bytes) { decoded.append($0) }
        #expect(scan == Framing.Scan(records: everyKind.count, validEnd: bytes.count, damage: nil))
        #expect(decoded == everyKind)
    }

    @Test func aFlippedBitStopsTheScanAtThatFrame() {
        let (bytes, ends) = framed(everyKind)
        for index in stride(from: ends[2], to: ends[3], by: 1) {
            var damaged = bytes
            damaged[index] ^= 0x10
            let scan = Framing.scan(damaged) { _ in }
            #expect(scan.records == 3 && scan.validEnd == ends[2] && scan.damage != nil, "byte \(index)")
        }
    }

    /// A record the queue would refuse on the wire is corruption on disk too, even with a correct CRC.
    @Test func recordsOutsideTheWireBoundsAreDamage() {
        let refused: [QueueRecord] = [
            .epoch(Epoch(term: Epoch.maxTerm + 1, leader: 1)),
            .deliveries(orderId: "bad id with spaces", count: 1),
            .deliveries(orderId: String(repeating: "x", count: QueueBounds.maxOrderIdLength + 1), count: 1),
            .committed(Commit(orderId: "", executor: 1, epoch: epoch, leaseID: 1)),
            .enqueued(
                QueuedOrder(
                    orderId: "d", priority: OrderPriority(shippingWeight: 0, countryRank: 0), enqueueSequence: 0,
                    enqueuedAtNanos: 0,
                    ticket: OrderTicket(
                        orderId: "d", items: Array(repeating: .init(), count: QueueBounds.maxItems + 1),
                        shippingMethod: nil, country: nil))),
        ]
        for record in refused {
            let (bytes, _) = framed([.epoch(epoch), record])
            let scan = Framing.scan(bytes) { _ in }
            #expect(scan.records == 1 && scan.damage != nil, "\(record)")
        }
    }

    @Test func absurdLengthsAndTruncatedHeadersAreTornTails() {
        let (bytes, ends) = framed([.epoch(epoch)])
        #expect(Framing.scan(bytes + [1, 2, 3]) { _ in }.validEnd == ends[0])
        let huge: [UInt8] = [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0]
        #expect(Framing.scan(bytes + huge) { _ in }.validEnd == ends[0])
        let zero: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(Framing.scan(bytes + zero) { _ in }.damage?.contains("length") == true)
    }

    @Test func varintsRejectOverlongEncodings() throws {
        var reader = ByteReader(Array(repeating: 0xFF, count: 11))
        var failed = false
        do { _ = try reader.uvarint() } catch { failed = true }
        #expect(failed)
        var writer = ByteWriter()
        writer.varint(.min)
        writer.varint(.max)
        writer.uvarint(.max)
        var back = ByteReader(writer.bytes)
        let values = (try back.varint(), try back.varint(), try back.uvarint())
        #expect(values.0 == .min && values.1 == .max && values.2 == .max)
    }
}
