extension VectorClock {
    /// Parses the compact flat-object form that `description` writes (`{"a":1,"b":2}`), with no bounds on
    /// size or node ids (for trusted text such as tests and tools). Whitespace is allowed; anything malformed,
    /// a duplicate key or a counter above `UInt64.max` gives nil. Servers use `parse(wireText:limits:)`.
    public init?(jsonText text: String) {
        var text = text
        let parsed: VectorClock? = text.withUTF8 { bytes in
            var parser = FlatObjectParser(bytes: bytes)
            var builder = SortedEntries()
            let outcome = parser.parse { key, value in
                guard let value else { return .counterOutOfRange(node: key, limit: .max) }
                guard let slot = builder.slot(for: key) else { return .duplicateNode(key) }
                builder.insert((key, value), at: slot)
                return nil
            }
            return outcome == nil ? builder.clock() : nil
        }
        guard let parsed else { return nil }
        self = parsed
    }
}
