import WireJSON

// `EnqueueReply`'s byte-level codec: the JSON of its `Codable` conformance (EnqueueReply.swift).
extension EnqueueReply: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .stored(let position, let depth):
            writer.field("stored", true)
            writer.field("position", position)
            writer.field("depth", depth)
        case .duplicate(let depth):
            writer.field("stored", false)
            writer.field("position", -1)
            writer.field("depth", depth)
        }
        writer.endObject()
    }

    /// Like the `Codable` decoder: `position` is read only for a stored order (a negative one is left to the
    /// reference decoder, which refuses it).
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var stored: Bool?
        var depth: Int?
        var positionOffset: Int?
        var seen = SeenFields()
        var cursor = try reader.beginObject()
        while let key = try reader.nextKey(&cursor) {
            if key == "stored", seen.first(0) {
                stored = try reader.readBool()
            } else if key == "depth", seen.first(1) {
                depth = try reader.readInt()
            } else {
                if key == "position", seen.first(2) { positionOffset = reader.position }
                try reader.skipValue()
            }
        }
        guard let stored, let depth else { throw .unsupported }
        guard stored else {
            self = .duplicate(depth: depth)
            return
        }
        guard let positionOffset else { throw .unsupported }
        let end = reader.position
        reader.rewind(to: positionOffset)
        let position = try reader.readInt()
        reader.rewind(to: end)
        guard position >= 0 else { throw .unsupported }
        self = .stored(position: position, depth: depth)
    }
}
