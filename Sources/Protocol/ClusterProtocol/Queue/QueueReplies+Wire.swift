import Election
import OrderQueueCore
import WireJSON

// The byte-level codecs of `queue.lease` and `queue.ack`/`queue.release` replies: the JSON of their `Codable`
// conformances (LeaseReply.swift, AckReply.swift). Each reply reads only the members of its outcome, like the
// reference decoder; a value this reader does not take is left to that decoder (`.unsupported`).

/// Reads an `outcome` member's string as one of `Outcome`'s raw values.
private func readOutcome<Outcome: RawRepresentable<String>>(
    _ type: Outcome.Type, _ reader: inout JSONReader
) throws(WireDecodingError) -> Outcome {
    guard let outcome = Outcome(rawValue: try reader.readString()) else { throw .unsupported }
    return outcome
}

extension LeaseReply: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("outcome", outcome.rawValue)
        switch self {
        case .leased(let lease, let order, let renewed, let depth):
            writer.field("lease", lease)
            writer.field("order", order)
            writer.field("renewed", renewed)
            writer.field("depth", depth)
        case .empty(let depth):
            writer.field("depth", depth)
        case .fenced(let epoch):
            writer.field("fencedBy", epoch)
        }
        writer.endObject()
    }

    /// The members are found first (by offset) and read once the outcome is known: members another outcome has are
    /// not read, as the reference decoder does not read them.
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var offsets: [Int?] = [nil, nil, nil, nil, nil, nil]
        let names: [StaticString] = ["outcome", "lease", "order", "renewed", "depth", "fencedBy"]
        try readFields(names, &reader) { field, reader throws(WireDecodingError) in
            offsets[field] = reader.position
            try reader.skipValue()
        }
        let end = reader.position
        defer { reader.rewind(to: end) }
        func at(_ field: Int) throws(WireDecodingError) -> Int {
            guard let offset = offsets[field] else { throw .unsupported }
            reader.rewind(to: offset)
            return offset
        }
        _ = try at(0)
        switch try readOutcome(Outcome.self, &reader) {
        case .leased:
            _ = try at(1)
            let lease = try Lease(wire: &reader)
            _ = try at(2)
            let order = try QueuedOrder(wire: &reader)
            _ = try at(3)
            let renewed = try reader.readBool()
            _ = try at(4)
            self = .leased(lease, order: order, renewed: renewed, depth: try reader.readInt())
        case .empty:
            _ = try at(4)
            self = .empty(depth: try reader.readInt())
        case .fenced:
            _ = try at(5)
            self = .fenced(by: try Epoch(wire: &reader))
        }
    }
}

extension AckReply: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        encodeMembers(into: &writer)
        writer.endObject()
    }

    /// The reply's members, without the braces (`AckAndLeaseReply` adds its `next` to them).
    func encodeMembers(into writer: inout JSONWriter) {
        writer.field("outcome", outcome.rawValue)
        switch self {
        case .committed(let commit), .alreadyCommitted(let commit):
            writer.field("commit", commit)
        case .fenced(let epoch):
            writer.field("fencedBy", epoch)
        case .released, .noLease:
            break
        }
    }

    /// Like `LeaseReply`'s: only the members of the outcome are read.
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var offsets: [Int?] = [nil, nil, nil]
        try readFields(Self.memberNames, &reader) { field, reader throws(WireDecodingError) in
            offsets[field] = reader.position
            try reader.skipValue()
        }
        let end = reader.position
        defer { reader.rewind(to: end) }
        try self.init(members: offsets, &reader)
    }

    /// The members a reply may have, in the order of `init(members:_:)`'s offsets.
    static let memberNames: [StaticString] = ["outcome", "commit", "fencedBy"]

    /// The reply whose members start at `offsets` (by `memberNames`; nil: absent), read once the outcome is known.
    /// Leaves the reader anywhere: the caller rewinds it.
    init(members offsets: [Int?], _ reader: inout JSONReader) throws(WireDecodingError) {
        func at(_ field: Int) throws(WireDecodingError) {
            guard let offset = offsets[field] else { throw .unsupported }
            reader.rewind(to: offset)
        }
        try at(0)
        switch try readOutcome(AckOutcome.self, &reader) {
        case .committed:
            try at(1)
            self = .committed(try Commit(wire: &reader))
        case .alreadyCommitted:
            try at(1)
            self = .alreadyCommitted(try Commit(wire: &reader))
        case .released: self = .released
        case .fenced:
            try at(2)
            self = .fenced(by: try Epoch(wire: &reader))
        case .noLease: self = .noLease
        }
    }
}
