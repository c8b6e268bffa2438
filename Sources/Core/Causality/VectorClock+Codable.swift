extension VectorClock: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.init(try container.decode([String: UInt64].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(entries)
    }
}

extension VectorClock: CustomStringConvertible {
    /// Compact, deterministic JSON text: `{"a":1,"b":2}` with keys sorted.
    public var description: String {
        var text = "{"
        for (index, node) in sortedNodes.enumerated() {
            if index > 0 { text += "," }
            text += "\"\(JSONText.escaped(node))\":\(entries[node]!)"
        }
        return text + "}"
    }
}
