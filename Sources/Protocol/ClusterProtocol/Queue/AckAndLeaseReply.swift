import WireJSON

/// `queue.ack` result: the ack's outcome and, when the request carried `AckRequest.next`, the answer to that lease
/// request (made after the ack, in the same log batch).
///
/// On the wire: `AckReply`'s members with an optional `next` member holding a `LeaseReply`, e.g.
/// `{"outcome":"committed","commit":{…},"next":{"outcome":"leased","lease":{…},…}}`: a reader that knows only
/// `AckReply` (an older executor) reads the ack and skips `next`; a reply without `next` (an older queue) leaves
/// the slot to ask with `lease`.
public struct AckAndLeaseReply: Sendable, Equatable {
    public var ack: AckReply
    /// The answer to the request's `next` lease request; nil when it had none, or when the ack was `fenced` (the
    /// lease would be fenced too).
    public var next: LeaseReply?

    public init(_ ack: AckReply, next: LeaseReply? = nil) {
        self.ack = ack
        self.next = next
    }
}

extension AckAndLeaseReply: Codable {
    private enum CodingKeys: String, CodingKey {
        case next
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try AckReply(from: decoder), next: try container.decodeIfPresent(LeaseReply.self, forKey: .next))
    }

    public func encode(to encoder: any Encoder) throws {
        try ack.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(next, forKey: .next)
    }
}

extension AckAndLeaseReply: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        ack.encodeMembers(into: &writer)
        writer.field("next", next)
        writer.endObject()
    }

    /// One pass over the object finds the ack's members and `next` (absent or `null`: nil); the ack is then read as
    /// `AckReply` reads it.
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var offsets: [Int?] = [nil, nil, nil, nil]
        try readFields(AckReply.memberNames + ["next"], &reader) { field, reader throws(WireDecodingError) in
            offsets[field] = reader.position
            try reader.skipValue()
        }
        let end = reader.position
        defer { reader.rewind(to: end) }
        let ack = try AckReply(members: Array(offsets[0..<3]), &reader)
        var next: LeaseReply?
        if let offset = offsets[3] {
            reader.rewind(to: offset)
            next = try reader.readOptional(LeaseReply.self)
        }
        self.init(ack, next: next)
    }
}
