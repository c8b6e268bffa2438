/// The one JSON string escaper of the package: the hand-written JSON writers (the vector clock's header text,
/// `TraceEventEncoder`, the RPC client's request envelope, the exporters) all escape through it.
///
/// It lives in `Causality`, the lowest pure target, because the clock's own text form (`VectorClock.description`,
/// the `X-Vector-Clock` header) needs it and `Causality` depends on nothing; every other writer imports it from
/// here (directly or through `TraceModel`).
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
