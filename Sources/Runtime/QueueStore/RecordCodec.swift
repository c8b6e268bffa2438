import Checkout
import Election
import OrderQueueCore

/// The binary encoding of `QueueRecord`s (see docs/queue-durability.md), and its decoder, which applies the same
/// bounds as the wire (`QueueBounds`): a record that decodes to something the queue would refuse is corruption.
public enum RecordCodec {
    enum Tag: UInt8 {
        /// `enqueued` without the ticket's `parentSpanId`: written by earlier versions, still read.
        case enqueued = 1, leased, committed, returned, epoch, counters, deliveries
        /// `enqueued` whose ticket ends with its `parentSpanId` (optional string): written from now on.
        case enqueuedWithSpan
    }

    static let smallInts = -(1 << 31)...(1 << 31)
    static let counts = 0...(1 << 31)

    /// The payload of `record` (without framing).
    static func encode(_ record: QueueRecord, into writer: inout ByteWriter) {
        switch record {
        case .enqueued(let order):
            writer.byte(Tag.enqueuedWithSpan.rawValue)
            writer.string(order.orderId)
            writer.int(order.priority.shippingWeight)
            writer.int(order.priority.countryRank)
            writer.int(order.priority.sizeBonus)
            writer.uvarint(order.enqueueSequence)
            writer.varint(order.enqueuedAtNanos)
            encode(order.ticket, into: &writer)
            writer.optionalString(order.ticket.parentSpanId)
        case .leased(let lease):
            writer.byte(Tag.leased.rawValue)
            writer.uvarint(lease.id)
            writer.string(lease.orderId)
            writer.int(lease.executor)
            encode(lease.epoch, into: &writer)
            writer.uvarint(lease.grantedAtNanos)
            writer.uvarint(lease.deadlineNanos)
            writer.int(lease.delivery)
            writer.int(lease.slot)
        case .committed(let commit):
            writer.byte(Tag.committed.rawValue)
            writer.string(commit.orderId)
            writer.int(commit.executor)
            encode(commit.epoch, into: &writer)
            writer.uvarint(commit.leaseID)
        case .returned(let orderId, let leaseID, let reason):
            writer.byte(Tag.returned.rawValue)
            writer.string(orderId)
            writer.uvarint(leaseID)
            writer.byte(reason.rawValue)
        case .epoch(let epoch):
            writer.byte(Tag.epoch.rawValue)
            encode(epoch, into: &writer)
        case .counters(let nextSequence, let nextLeaseID):
            writer.byte(Tag.counters.rawValue)
            writer.uvarint(nextSequence)
            writer.uvarint(nextLeaseID)
        case .deliveries(let orderId, let count):
            writer.byte(Tag.deliveries.rawValue)
            writer.string(orderId)
            writer.int(count)
        }
    }

    private static func encode(_ epoch: Epoch, into writer: inout ByteWriter) {
        writer.uvarint(epoch.term)
        writer.int(epoch.leader)
    }

    private static func encode(_ ticket: OrderTicket, into writer: inout ByteWriter) {
        writer.string(ticket.orderId)
        writer.int(ticket.items.count)
        for item in ticket.items {
            writer.optionalString(item.name)
            writer.optionalInt(item.quantity)
        }
        writer.optionalString(ticket.shippingMethod)
        writer.optionalString(ticket.country)
        writer.optionalString(ticket.traceId)
    }

    /// Decodes one payload; throws when it is malformed or outside the queue's bounds.
    static func decode(_ reader: inout ByteReader) throws -> QueueRecord {
        guard let tag = Tag(rawValue: try reader.byte()) else { throw DecodeFailure("unknown record type") }
        let record: QueueRecord
        switch tag {
        case .enqueued, .enqueuedWithSpan:
            let orderId = try orderID(&reader)
            let priority = OrderPriority(
                shippingWeight: try reader.int(in: smallInts), countryRank: try reader.int(in: counts),
                sizeBonus: try reader.int(in: smallInts))
            let sequence = try reader.uvarint()
            let enqueuedAt = try reader.varint()
            let ticket = try decodeTicket(&reader, withSpan: tag == .enqueuedWithSpan)
            record = .enqueued(
                QueuedOrder(
                    orderId: orderId, priority: priority, enqueueSequence: sequence, enqueuedAtNanos: enqueuedAt,
                    ticket: ticket))
        case .leased:
            let id = try reader.uvarint()
            let orderId = try orderID(&reader)
            let executor = try executorID(&reader)
            let epoch = try decodeEpoch(&reader)
            let granted = try reader.uvarint()
            let deadline = try reader.uvarint()
            let delivery = try reader.int(in: 1...(1 << 31))
            let slot = try reader.int(in: 0...QueueBounds.maxSlot)
            record = .leased(
                Lease(
                    id: id, orderId: orderId, executor: executor, epoch: epoch, grantedAtNanos: granted,
                    deadlineNanos: deadline, delivery: delivery, slot: slot))
        case .committed:
            let orderId = try orderID(&reader)
            let executor = try executorID(&reader)
            let epoch = try decodeEpoch(&reader)
            record = .committed(
                Commit(orderId: orderId, executor: executor, epoch: epoch, leaseID: try reader.uvarint()))
        case .returned:
            let orderId = try orderID(&reader)
            let leaseID = try reader.uvarint()
            guard let reason = QueueRecord.ReturnReason(rawValue: try reader.byte()) else {
                throw DecodeFailure("unknown return reason")
            }
            record = .returned(orderId: orderId, leaseID: leaseID, reason: reason)
        case .epoch:
            record = .epoch(try decodeEpoch(&reader))
        case .counters:
            record = .counters(nextSequence: try reader.uvarint(), nextLeaseID: try reader.uvarint())
        case .deliveries:
            record = .deliveries(orderId: try orderID(&reader), count: try reader.int(in: counts))
        }
        guard reader.isAtEnd else { throw DecodeFailure("bytes after the record") }
        return record
    }

    private static func orderID(_ reader: inout ByteReader) throws -> String {
        // Checked on the bytes (ASCII only), the same rule as `QueueBounds.problem(orderId:)`.
        guard let id = try reader.asciiString(maxBytes: QueueBounds.maxOrderIdLength, where: QueueBounds.isOrderIdByte)
        else { throw DecodeFailure("malformed order id") }
        return id
    }

    private static func executorID(_ reader: inout ByteReader) throws -> Int {
        try reader.int(in: 0...QueueBounds.maxExecutorId)
    }

    private static func decodeEpoch(_ reader: inout ByteReader) throws -> Epoch {
        let term = try reader.uvarint()
        let epoch = Epoch(term: term, leader: try reader.int(in: 0...QueueBounds.maxExecutorId))
        if let problem = QueueBounds.problem(epoch: epoch) { throw DecodeFailure(problem) }
        return epoch
    }

    /// A ticket; `withSpan` when the record's format ends it with the `parentSpanId` (`enqueuedWithSpan`).
    private static func decodeTicket(_ reader: inout ByteReader, withSpan: Bool) throws -> OrderTicket {
        let orderId = try orderID(&reader)
        let count = try reader.int(in: 0...QueueBounds.maxItems)
        var items: [CheckoutRequest.Item] = []
        items.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.optionalString(maxBytes: QueueBounds.maxFieldBytes)
            let quantity = try reader.optionalInt(in: -QueueBounds.maxQuantity...QueueBounds.maxQuantity)
            items.append(.init(name: name, quantity: quantity))
        }
        let ticket = OrderTicket(
            orderId: orderId, items: items,
            shippingMethod: try reader.optionalString(maxBytes: QueueBounds.maxFieldBytes),
            country: try reader.optionalString(maxBytes: QueueBounds.maxFieldBytes),
            traceId: try reader.optionalString(maxBytes: QueueBounds.maxFieldBytes),
            parentSpanId: withSpan ? try reader.optionalString(maxBytes: 16) : nil)
        if let problem = QueueBounds.problem(ticket: ticket) { throw DecodeFailure(problem) }
        return ticket
    }
}
