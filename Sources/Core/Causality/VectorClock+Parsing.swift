extension VectorClock {
    /// Parses the compact flat-object form that `description` writes (`{"a":1,"b":2}`), with no bounds on
    /// size or node ids (for trusted text such as tests and tools). Whitespace is allowed; anything malformed,
    /// a duplicate key or a counter above `UInt64.max` gives nil. Servers use `parse(wireText:limits:)`.
    public init?(jsonText text: String) {
        var parser = FlatObjectParser(bytes: Array(text.utf8)[...])
        var entries: [String: UInt64] = [:]
        let outcome = parser.parse { key, value in
            guard let value else { return .counterOutOfRange(node: key, limit: .max) }
            guard entries[key] == nil else { return .duplicateNode(key) }
            entries[key] = value
            return nil
        }
        guard outcome == nil else { return nil }
        self.init(entries)
    }
}
