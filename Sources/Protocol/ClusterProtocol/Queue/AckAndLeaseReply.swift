import OrderQueueCore
import WireJSON

/// `queue.ack` result: the ack's outcome and, when the request carried `AckRequest.next`, the answer to that lease
/// request (made after the ack, in the same log batch).
///
/// On the wire: `AckReply`'s members with optional `next` (a `LeaseReply`), `more` (an array of `AckReply`) and
/// `moreLeases` (an array of `LeasedOrder`) members, e.g.
/// `{"outcome":"committed","commit":{…},"more":[{"outcome":"committed",…}],"next":{"outcome":"leased",…}}`: a
/// reader that knows only `AckReply` (an older executor) reads the ack and skips the rest; a reply without `next`
/// (an older queue) leaves the slot to ask with `lease`.
public struct AckAndLeaseReply: Sendable, Equatable {
    public var ack: AckReply
    /// The answer to the request's `next` lease request; nil when it had none, or when the ack was `fenced` (the
    /// lease would be fenced too).
    public var next: LeaseReply?
    /// The answers to the request's `AckRequest.more`, in its order (nil: it had none, or an older queue).
    public var more: [AckReply]?
    /// A batch lease's further orders (`LeaseRequest.batch` > 1) after the one `next` names, all of the same slot.
    public var moreLeases: [LeasedOrder]?

    public init(_ ack: AckReply, next: LeaseReply? = nil, more: [AckReply]? = nil, moreLeases: [LeasedOrder]? = nil) {
        self.ack = ack
        self.next = next
        self.more = more
        self.moreLeases = moreLeases
    }
}

extension AckAndLeaseReply: Codable {
    private enum CodingKeys: String, CodingKey {
        case next, more, moreLeases
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            try AckReply(from: decoder), next: try container.decodeIfPresent(LeaseReply.self, forKey: .next),
            more: try container.decodeIfPresent([AckReply].self, forKey: .more),
            moreLeases: try container.decodeIfPresent([LeasedOrder].self, forKey: .moreLeases))
    }

    public func encode(to encoder: any Encoder) throws {
        try ack.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(next, forKey: .next)
        try container.encodeIfPresent(more, forKey: .more)
        try container.encodeIfPresent(moreLeases, forKey: .moreLeases)
    }
}

extension AckAndLeaseReply: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        ack.encodeMembers(into: &writer)
        writer.field("next", next)
        writer.field("more", more)
        writer.field("moreLeases", moreLeases)
        writer.endObject()
    }

    /// One pass over the object finds the ack's members and the others (absent or `null`: nil); the ack is then read
    /// as `AckReply` reads it.
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var offsets: [Int?] = [nil, nil, nil, nil, nil, nil]
        try readFields(AckReply.memberNames + ["next", "more", "moreLeases"], &reader) {
            field, reader throws(WireDecodingError) in
            offsets[field] = reader.position
            try reader.skipValue()
        }
        let end = reader.position
        defer { reader.rewind(to: end) }
        let ack = try AckReply(members: Array(offsets[0..<3]), &reader)
        var next: LeaseReply?
        var more: [AckReply]?
        var moreLeases: [LeasedOrder]?
        if let offset = offsets[3] {
            reader.rewind(to: offset)
            next = try reader.readOptional(LeaseReply.self)
        }
        if let offset = offsets[4] {
            reader.rewind(to: offset)
            more = try reader.readOptionalArray(of: AckReply.self)
        }
        if let offset = offsets[5] {
            reader.rewind(to: offset)
            moreLeases = try reader.readOptionalArray(of: LeasedOrder.self)
        }
        self.init(ack, next: next, more: more, moreLeases: moreLeases)
    }
}
