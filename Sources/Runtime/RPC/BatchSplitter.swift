import Foundation

/// Splits a JSON-RPC batch (a JSON array) into its elements' exact bytes.
enum BatchSplitter {
    enum Failure: Error { case notJSON, empty, tooLarge }

    /// True when the first non-whitespace byte is `[`.
    static func isBatch(_ body: Data) -> Bool {
        // Over the raw bytes: `Data`'s own iteration cost more than the rest of this check.
        body.withUnsafeBytes { bytes in bytes.first { !isSpace($0) } == UInt8(ascii: "[") }
    }

    /// The elements of the array `body`, at most `limit` of them. The whole body must be valid JSON.
    static func split(_ body: Data, limit: Int) -> Result<[Data], Failure> {
        guard (try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])) is [Any] else {
            return .failure(.notJSON)
        }
        let bytes = [UInt8](body)
        var elements: [Data] = []
        var depth = 0
        var inString = false
        var escaped = false
        var start: Int?
        for (index, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth == 1 { start = index + 1 }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if depth == 1, let from = start { append(bytes[from..<index], to: &elements) }
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 1, let from = start {
                    append(bytes[from..<index], to: &elements)
                    start = index + 1
                }
            default: break
            }
            if elements.count > limit { return .failure(.tooLarge) }
        }
        return elements.isEmpty ? .failure(.empty) : .success(elements)
    }

    private static func append(_ slice: ArraySlice<UInt8>, to elements: inout [Data]) {
        guard let first = slice.firstIndex(where: { !isSpace($0) }) else { return }
        let last = slice.lastIndex(where: { !isSpace($0) })!
        elements.append(Data(slice[first...last]))
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
