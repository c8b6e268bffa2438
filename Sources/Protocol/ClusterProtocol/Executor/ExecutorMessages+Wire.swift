import Election
import WireJSON

// The byte-level codecs of the election messages between executors (`executor.bully`, the leader's heartbeats
// among them) and of the empty payload: the JSON of their `Codable` conformances. `QueueWireCodecTests` checks
// them against Foundation.

extension NoPayload: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.endObject()
    }

    /// Any object, its members skipped (as the reference decoder ignores them).
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var cursor = try reader.beginObject()
        while try reader.nextKey(&cursor) != nil { try reader.skipValue() }
        self.init()
    }
}

extension BullyMessage: WireCodable {
    /// The synthesized spelling: `{"<case>":{"<label>":<epoch>}}`, the label `known` or `_0`.
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .election(let known):
            writer.key("election")
            Self.write(label: "known", known, into: &writer)
        case .answer(let known):
            writer.key("answer")
            Self.write(label: "known", known, into: &writer)
        case .coordinator(let epoch):
            writer.key("coordinator")
            Self.write(label: "_0", epoch, into: &writer)
        case .heartbeat(let epoch):
            writer.key("heartbeat")
            Self.write(label: "_0", epoch, into: &writer)
        }
        writer.endObject()
    }

    private static func write(label: StaticString, _ epoch: Epoch, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field(label, epoch)
        writer.endObject()
    }

    /// Exactly one known case key (the reference decoder refuses two; unknown keys are skipped); its object holds
    /// the epoch under the case's label (other members skipped).
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        let cases: [StaticString] = ["election", "answer", "coordinator", "heartbeat"]
        var found: (index: Int, epoch: Epoch)?
        var cursor = try reader.beginObject()
        while let key = try reader.nextKey(&cursor) {
            guard let index = key.index(in: cases) else {
                try reader.skipValue()
                continue
            }
            guard found == nil else { throw .unsupported }
            var epoch: Epoch?
            let label: StaticString = index < 2 ? "known" : "_0"
            try readFields([label], &reader) { _, reader throws(WireDecodingError) in
                epoch = try Epoch(wire: &reader)
            }
            found = (index, try required(epoch))
        }
        guard let found else { throw .unsupported }
        switch found.index {
        case 0: self = .election(known: found.epoch)
        case 1: self = .answer(known: found.epoch)
        case 2: self = .coordinator(found.epoch)
        default: self = .heartbeat(found.epoch)
        }
    }
}

extension BullyEnvelope: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("from", from)
        writer.field("message", message)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var from: Int?
        var message: BullyMessage?
        try readFields(["from", "message"], &reader) { field, reader throws(WireDecodingError) in
            if field == 0 { from = try reader.readInt() } else { message = try BullyMessage(wire: &reader) }
        }
        self.init(from: try required(from), message: try required(message))
    }
}
