import Foundation
import Logging

/// A value of a JSON log line: metadata keep their type (numbers as numbers, booleans as booleans), so that
/// log tools can filter and aggregate them.
public enum LogLineValue: Encodable, Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    case bool(Bool)
    case array([LogLineValue])
    case object([String: LogLineValue])

    /// The typed form of a metadata value under `key`. A `.stringConvertible` number or boolean keeps its type; a
    /// string that is the canonical text of an integer (up to 18 digits), a decimal or `true`/`false` becomes that
    /// value, except under identifier keys (`…id`, `trace`, `span`, `order`, `node`, `peer`), which stay strings.
    public init(_ value: Logger.MetadataValue, key: String) {
        switch value {
        case .string(let text): self = Self.typed(text, key: key)
        case .stringConvertible(let convertible): self = Self.typed(convertible, key: key)
        case .array(let values): self = .array(values.map { LogLineValue($0, key: key) })
        case .dictionary(let metadata):
            self = .object(metadata.reduce(into: [:]) { $0[$1.key] = LogLineValue($1.value, key: $1.key) })
        }
    }

    private static func typed(_ value: any CustomStringConvertible & Sendable, key: String) -> LogLineValue {
        switch value {
        case let bool as Bool: return .bool(bool)
        case let number as any BinaryInteger:
            if let signed = Int64(exactly: number) { return .integer(signed) }
            if let unsigned = UInt64(exactly: number) { return .unsigned(unsigned) }
            return .string(value.description)
        case let number as any BinaryFloatingPoint:
            let double = Double(number)
            return double.isFinite ? .double(double) : .string(value.description)
        default: return typed(value.description, key: key)
        }
    }

    /// Keys whose values are identifiers: never turned into numbers (an order id may be all digits).
    static func isIdentifier(_ key: String) -> Bool {
        let lower = key.lowercased()
        return lower.hasSuffix("id") || ["trace", "span", "order", "node", "peer", "run"].contains(lower)
    }

    static func typed(_ text: String, key: String) -> LogLineValue {
        guard !isIdentifier(key), !text.isEmpty, text.utf8.count <= 40 else { return .string(text) }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        if !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            digits == "0" || !digits.hasPrefix("0"), let integer = Int64(text)
        {
            return .integer(integer)
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] == "0" || !parts[0].hasPrefix("0"),
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }), let double = Double(text),
            double.isFinite
        {
            return .double(double)
        }
        return .string(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .unsigned(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// One JSON object on one line, keys sorted.
    public static func line(_ fields: [String: LogLineValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(fields)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
