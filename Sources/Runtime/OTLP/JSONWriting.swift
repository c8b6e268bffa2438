import Causality
import TraceFormat

/// Small helpers to write JSON text by hand, so that the output is deterministic and types stay exact
/// (64-bit integers as digits, never rounded through `Double`).
public enum JSONWriting {
    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String { "\"" + JSONText.escaped(text) + "\"" }

    /// A JSON object from already encoded members, in the given order.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// A JSON array from already encoded elements.
    public static func array(_ elements: [String]) -> String { "[" + elements.joined(separator: ",") + "]" }

    /// A finite double as JSON (non-finite values become `null`, as in the trace format).
    public static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    /// A trace `data` value as plain JSON; object keys sorted.
    public static func value(_ value: TraceValue) -> String {
        switch value {
        case .string(let text): return quoted(text)
        case .int(let number): return String(number)
        case .double(let number): return self.number(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let items): return array(items.map(self.value))
        case .object(let members): return object(members.keys.sorted().map { ($0, self.value(members[$0]!)) })
        }
    }

    /// Nanoseconds since `base` as microseconds with three decimals (`1234.567`), exact.
    public static func microseconds(_ nanos: Int64, since base: Int64) -> String {
        let delta = nanos - base
        let sign = delta < 0 ? "-" : ""
        let magnitude = delta.magnitude
        let fraction = String(magnitude % 1000)
        return sign + String(magnitude / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// Checks for the lowercase hexadecimal ids of the trace format.
public enum HexID {
    /// True when `text` has `length` lowercase hex digits and is not all zero.
    public static func isValid(_ text: String?, length: Int) -> Bool {
        guard let text, text.utf8.count == length else { return false }
        var nonZero = false
        for byte in text.utf8 {
            switch byte {
            case 0x30: continue
            case 0x31...0x39, 0x61...0x66: nonZero = true
            default: return false
            }
        }
        return nonZero
    }
}
