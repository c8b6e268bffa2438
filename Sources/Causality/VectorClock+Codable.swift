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

/// Minimal JSON string escaping shared by the hand-written encoders of this package.
public enum JSONText {
    /// Escapes `text` for use between JSON double quotes.
    public static func escaped(_ text: String) -> String {
        var needsEscape = false
        for byte in text.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscape = true
            break
        }
        if !needsEscape { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
