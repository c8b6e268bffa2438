/// The header lines of one HTTP reply as received (`Name: value` and CRLF each), read on demand: an RPC reads two
/// or three of them, so they are not all turned into strings and hashed into a dictionary per reply.
struct ReplyHeaders {
    /// The lines, each ending in CRLF (or LF), without the status line.
    private(set) var bytes: [UInt8] = []

    /// Adds one header line as libcurl delivers it.
    mutating func append(line: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: line)
        if line.last != 0x0A { bytes.append(0x0A) }
    }

    /// Forgets every line (a new response starts after a 1xx one, or a new request).
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// The value of the last header named `name` (matched without regard to ASCII case), trimmed; nil when absent.
    func value(of name: String) -> String? {
        var found: String?
        forEachHeader { lineName, value in
            if Self.equalIgnoringASCIICase(lineName, name) { found = String(decoding: value, as: UTF8.self) }
        }
        return found
    }

    /// Every header, names in lower case (the last of a repeated name wins).
    var all: [String: String] {
        var headers: [String: String] = [:]
        forEachHeader { name, value in
            headers[lowercasedName(name)] = String(decoding: value, as: UTF8.self)
        }
        return headers
    }

    /// Calls `body` with the name and the trimmed value of each line that has a colon.
    private func forEachHeader(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                start = end + 1
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
                var valueStart = colon + 1
                var valueEnd = line.count
                while valueStart < valueEnd && Self.isSpace(line[valueStart]) { valueStart += 1 }
                while valueEnd > valueStart && Self.isSpace(line[valueEnd - 1]) { valueEnd -= 1 }
                body(
                    UnsafeBufferPointer(rebasing: line[0..<colon]),
                    UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd]))
            }
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

    private static func equalIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, _ name: String) -> Bool {
        let utf8 = name.utf8
        guard bytes.count == utf8.count else { return false }
        return zip(bytes, utf8).allSatisfy { lower($0) == lower($1) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
}

/// A header name in lower case: ASCII names (all of HTTP's) byte by byte on the stack, others by `lowercased()`.
func lowercasedName(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    guard bytes.count <= 64, bytes.allSatisfy({ $0 < 0x80 }) else {
        return String(decoding: bytes, as: UTF8.self).lowercased()
    }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, bytes.count)) { scratch in
        for (index, byte) in bytes.enumerated() {
            scratch[index] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
        }
        return String(decoding: UnsafeBufferPointer(rebasing: scratch[0..<bytes.count]), as: UTF8.self)
    }
}
