import Checkout
import Election
import OrderQueueCore
import WireJSON

// The byte-level codecs of the queue's lease and ack messages: the JSON of their `Codable` conformances (members in
// declaration order; a required member missing or `null`, a type mismatch or a number out of its type's range is
// left to the reference decoder, which refuses it with its own message). `QueueWireCodecTests` checks them against
// Foundation.

extension Epoch: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("term", unsigned: term)
        writer.field("leader", leader)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var term: UInt64?
        var leader: Int?
        try readFields(["term", "leader"], &reader) { field, reader throws(WireDecodingError) in
            if field == 0 { term = try reader.readUInt64() } else { leader = try reader.readInt() }
        }
        self.init(term: try required(term), leader: try required(leader))
    }
}

extension Commit: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("orderId", orderId)
        writer.field("executor", executor)
        writer.field("epoch", epoch)
        writer.field("leaseID", unsigned: leaseID)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var orderId: String?
        var executor: Int?
        var epoch: Epoch?
        var leaseID: UInt64?
        let names: [StaticString] = ["orderId", "executor", "epoch", "leaseID"]
        try readFields(names, &reader) { field, reader throws(WireDecodingError) in
            switch field {
            case 0: orderId = try reader.readString()
            case 1: executor = try reader.readInt()
            case 2: epoch = try Epoch(wire: &reader)
            default: leaseID = try reader.readUInt64()
            }
        }
        self.init(
            orderId: try required(orderId), executor: try required(executor), epoch: try required(epoch),
            leaseID: try required(leaseID))
    }
}

extension OrderPriority: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("shippingWeight", shippingWeight)
        writer.field("countryRank", countryRank)
        writer.field("sizeBonus", sizeBonus)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var values: [Int?] = [nil, nil, nil]
        try readFields(["shippingWeight", "countryRank", "sizeBonus"], &reader) {
            field, reader throws(WireDecodingError) in
            values[field] = try reader.readInt()
        }
        self.init(
            shippingWeight: try required(values[0]), countryRank: try required(values[1]),
            sizeBonus: try required(values[2]))
    }
}

extension Lease: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", unsigned: id)
        writer.field("orderId", orderId)
        writer.field("executor", executor)
        writer.field("epoch", epoch)
        writer.field("grantedAtNanos", unsigned: grantedAtNanos)
        writer.field("deadlineNanos", unsigned: deadlineNanos)
        writer.field("delivery", delivery)
        writer.field("slot", slot)
        writer.endObject()
    }

    /// Like the `Codable` decoder: `slot` absent or `null` is 0.
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var orderId: String?
        var epoch: Epoch?
        var unsigned: [UInt64?] = [nil, nil, nil]  // id, grantedAtNanos, deadlineNanos
        var integers: [Int?] = [nil, nil, nil]  // executor, delivery, slot
        let names: [StaticString] = [
            "id", "orderId", "executor", "epoch", "grantedAtNanos", "deadlineNanos", "delivery", "slot",
        ]
        try readFields(names, &reader) { field, reader throws(WireDecodingError) in
            switch field {
            case 0: unsigned[0] = try reader.readUInt64()
            case 1: orderId = try reader.readString()
            case 2: integers[0] = try reader.readInt()
            case 3: epoch = try Epoch(wire: &reader)
            case 4: unsigned[1] = try reader.readUInt64()
            case 5: unsigned[2] = try reader.readUInt64()
            case 6: integers[1] = try reader.readInt()
            default: integers[2] = try reader.readOptionalInt()
            }
        }
        self.init(
            id: try required(unsigned[0]), orderId: try required(orderId),
            executor: try required(integers[0]),
            epoch: try required(epoch), grantedAtNanos: try required(unsigned[1]),
            deadlineNanos: try required(unsigned[2]), delivery: try required(integers[1]),
            slot: integers[2] ?? 0)
    }
}

extension QueuedOrder: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("orderId", orderId)
        writer.field("priority", priority)
        writer.field("enqueueSequence", unsigned: enqueueSequence)
        writer.key("enqueuedAtNanos")
        writer.int(Int(enqueuedAtNanos))
        writer.field("ticket", ticket)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var orderId: String?
        var priority: OrderPriority?
        var sequence: UInt64?
        var enqueuedAt: Int?
        var ticket: OrderTicket?
        let names: [StaticString] = ["orderId", "priority", "enqueueSequence", "enqueuedAtNanos", "ticket"]
        try readFields(names, &reader) { field, reader throws(WireDecodingError) in
            switch field {
            case 0: orderId = try reader.readString()
            case 1: priority = try OrderPriority(wire: &reader)
            case 2: sequence = try reader.readUInt64()
            case 3: enqueuedAt = try reader.readInt()
            default: ticket = try OrderTicket(wire: &reader)
            }
        }
        self.init(
            orderId: try required(orderId), priority: try required(priority),
            enqueueSequence: try required(sequence), enqueuedAtNanos: Int64(try required(enqueuedAt)),
            ticket: try required(ticket))
    }
}

extension LeaseRequest: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("executor", executor)
        writer.field("epoch", epoch)
        writer.field("slot", slot)
        writer.field("waitMs", waitMs)
        writer.field("batch", batch)
        writer.endObject()
    }

    /// Like the `Codable` decoder: `slot` absent or `null` is 0, `waitMs` and `batch` absent or `null` are nil.
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var executor: Int?
        var epoch: Epoch?
        var slot: Int?
        var waitMs: Int?
        var batch: Int?
        try readFields(["executor", "epoch", "slot", "waitMs", "batch"], &reader) {
            field, reader throws(WireDecodingError) in
            switch field {
            case 0: executor = try reader.readInt()
            case 1: epoch = try Epoch(wire: &reader)
            case 2: slot = try reader.readOptionalInt()
            case 3: waitMs = try reader.readOptionalInt()
            default: batch = try reader.readOptionalInt()
            }
        }
        self.init(
            executor: try required(executor), epoch: try required(epoch), slot: slot ?? 0, waitMs: waitMs,
            batch: batch)
    }
}

extension AckRequest: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("orderId", orderId)
        writer.field("executor", executor)
        writer.field("epoch", epoch)
        writer.field("leaseId", unsigned: leaseId)
        writer.field("next", next)
        writer.field("more", more)
        writer.endObject()
    }

    /// Like the `Codable` decoder: `next` and `more` absent or `null` are nil.
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var orderId: String?
        var executor: Int?
        var epoch: Epoch?
        var leaseId: UInt64?
        var next: LeaseRequest?
        var more: [AckItem]?
        let names: [StaticString] = ["orderId", "executor", "epoch", "leaseId", "next", "more"]
        try readFields(names, &reader) { field, reader throws(WireDecodingError) in
            switch field {
            case 0: orderId = try reader.readString()
            case 1: executor = try reader.readInt()
            case 2: epoch = try Epoch(wire: &reader)
            case 3: leaseId = try reader.readUInt64()
            case 4: next = try reader.readOptional(LeaseRequest.self)
            default: more = try reader.readOptionalArray(of: AckItem.self)
            }
        }
        self.init(
            orderId: try required(orderId), executor: try required(executor), epoch: try required(epoch),
            leaseId: try required(leaseId), next: next, more: more)
    }
}
