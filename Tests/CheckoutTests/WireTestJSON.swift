import SeededRandom

/// A JSON value as the tests rewrite it: Foundation's compact output parsed (a small independent parser), then
/// printed again with shuffled keys, random whitespace and random escapes, so the fast reader is tried on JSON
/// that means the same but is spelled differently.
indirect enum WireTestJSON: Equatable {
    case object([(String, WireTestJSON)])
    case array([WireTestJSON])
    case string(String)
    /// A number or literal, as written.
    case atom(String)

    static func == (lhs: WireTestJSON, rhs: WireTestJSON) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        case (.array(let a), .array(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.atom(let a), .atom(let b)): a == b
        default: false
        }
    }

    /// Parses well-formed compact JSON (what `JSONEncoder` writes); nil otherwise.
    static func parse(_ bytes: [UInt8]) -> WireTestJSON? {
        var parser = Parser(text: Array(String(decoding: bytes, as: UTF8.self).unicodeScalars))
        return parser.value()
    }

    private struct Parser {
        let text: [Unicode.Scalar]
        var index = 0

        mutating func value() -> WireTestJSON? {
            guard index < text.count else { return nil }
            switch text[index] {
            case "{":
                index += 1
                var members: [(String, WireTestJSON)] = []
                while index < text.count, text[index] != "}" {
                    if text[index] == "," { index += 1 }
                    guard case .string(let key)? = value(), index < text.count, text[index] == ":" else { return nil }
                    index += 1
                    guard let member = value() else { return nil }
                    members.append((key, member))
                }
                index += 1
                return .object(members)
            case "[":
                index += 1
                var elements: [WireTestJSON] = []
                while index < text.count, text[index] != "]" {
                    if text[index] == "," { index += 1 }
                    guard let element = value() else { return nil }
                    elements.append(element)
                }
                index += 1
                return .array(elements)
            case "\"":
                return string()
            default:
                let start = index
                while index < text.count, !",]}".unicodeScalars.contains(text[index]) { index += 1 }
                return .atom(String(String.UnicodeScalarView(text[start..<index])))
            }
        }

        mutating func string() -> WireTestJSON? {
            index += 1
            var scalars = String.UnicodeScalarView()
            while index < text.count, text[index] != "\"" {
                if text[index] == "\\" {
                    index += 1
                    switch text[index] {
                    case "b": scalars.append("\u{08}")
                    case "f": scalars.append("\u{0C}")
                    case "n": scalars.append("\n")
                    case "r": scalars.append("\r")
                    case "t": scalars.append("\t")
                    case "u":
                        let hex = String(String.UnicodeScalarView(text[(index + 1)...(index + 4)]))
                        guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else { return nil }
                        scalars.append(scalar)
                        index += 4
                    default: scalars.append(text[index])
                    }
                } else {
                    scalars.append(text[index])
                }
                index += 1
            }
            index += 1
            return .string(String(scalars))
        }
    }

    /// The value printed with keys shuffled, whitespace between tokens and characters escaped at random
    /// (`\uXXXX` with surrogate pairs beyond the BMP, `\/`), all valid JSON meaning the same.
    func respelled(_ random: inout SplitMix64) -> String {
        func space() -> String {
            ["", "", " ", "\n", "\t", "\r\n  "].randomElement(using: &random) ?? ""
        }
        switch self {
        case .object(let members):
            let parts = members.shuffled(using: &random).map { key, value in
                space() + Self.quoted(key, &random, escaping: false) + space() + ":" + space()
                    + value.respelled(&random) + space()
            }
            return "{" + parts.joined(separator: ",") + space() + "}"
        case .array(let elements):
            return "[" + elements.map { space() + $0.respelled(&random) + space() }.joined(separator: ",") + "]"
        case .string(let text):
            return Self.quoted(text, &random)
        case .atom(let text):
            return text
        }
    }

    /// `text` as a JSON string; with `escaping`, characters that need no escape are escaped at random too (keys
    /// are not: the fast reader leaves escaped keys to Foundation).
    static func quoted(_ text: String, _ random: inout SplitMix64, escaping: Bool = true) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            let escape =
                scalar.value < 0x20 || scalar == "\"" || scalar == "\\" || (escaping && Bool.random(using: &random))
            guard escape else {
                out.unicodeScalars.append(scalar)
                continue
            }
            if scalar == "/" {
                out += "\\/"
            } else if scalar.value > 0xFFFF {
                let value = scalar.value - 0x10000
                out += hex(0xD800 + (value >> 10), &random) + hex(0xDC00 + (value & 0x3FF), &random)
            } else {
                out += hex(scalar.value, &random)
            }
        }
        return out + "\""
    }

    private static func hex(_ value: UInt32, _ random: inout SplitMix64) -> String {
        let digits = String(value, radix: 16)
        let padded = String(repeating: "0", count: 4 - digits.count) + digits
        return "\\u" + (Bool.random(using: &random) ? padded.uppercased() : padded)
    }
}

extension WireTestJSON {
    /// The value with every object's members sorted by key.
    var sortingKeys: WireTestJSON {
        switch self {
        case .object(let members): .object(members.map { ($0.0, $0.1.sortingKeys) }.sorted { $0.0 < $1.0 })
        case .array(let elements): .array(elements.map(\.sortingKeys))
        case .string, .atom: self
        }
    }
}
