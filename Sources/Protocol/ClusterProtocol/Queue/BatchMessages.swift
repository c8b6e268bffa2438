import OrderQueueCore
import WireJSON

/// One further order of an ack (`AckRequest.more`): the order and the lease it was executed under; the executor
/// and epoch are the request's.
///
/// On the wire: `{"orderId":"…","leaseId":12}`.
public struct AckItem: Codable, Sendable, Equatable {
    public var orderId: String
    public var leaseId: UInt64

    public init(orderId: String, leaseId: UInt64) {
        self.orderId = orderId
        self.leaseId = leaseId
    }
}

extension AckItem: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("orderId", orderId)
        writer.field("leaseId", unsigned: leaseId)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var orderId: String?
        var leaseId: UInt64?
        try readFields(["orderId", "leaseId"], &reader) { field, reader throws(WireDecodingError) in
            if field == 0 { orderId = try reader.readString() } else { leaseId = try reader.readUInt64() }
        }
        self.init(orderId: try required(orderId), leaseId: try required(leaseId))
    }
}

/// A further order of a batch lease (`AckAndLeaseReply.moreLeases`), on the wire `{"lease":{…},"order":{…}}`.
extension LeasedOrder: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("lease", lease)
        writer.field("order", order)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var lease: Lease?
        var order: QueuedOrder?
        try readFields(["lease", "order"], &reader) { field, reader throws(WireDecodingError) in
            if field == 0 { lease = try Lease(wire: &reader) } else { order = try QueuedOrder(wire: &reader) }
        }
        self.init(lease: try required(lease), order: try required(order))
    }
}
