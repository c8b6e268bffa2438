import Foundation

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
        withValue(of: name) { value in value.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// True when the last header named `name` has exactly the value `expected` (compared byte for byte, no string
    /// made of the value).
    func hasValue(_ expected: String, named name: String) -> Bool {
        var expected = expected
        return expected.withUTF8 { wanted in
            withValue(of: name) { value in value.map { $0.elementsEqual(wanted) } ?? false }
        }
    }

    /// Calls `body` with the trimmed bytes of the last header named `name` (ASCII case aside), or nil when there is
    /// none. One pass over the bytes: a line's value is only looked at when its name matches.
    func withValue<R>(of name: String, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { all -> R in
                guard let base = all.baseAddress else { return body(nil) }
                var found: Range<Int>?
                var start = 0
                while start < all.count {
                    let lineFeed = memchr(base + start, 0x0A, all.count - start)
                    let end = lineFeed.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? all.count
                    let colon = start + wanted.count
                    if colon < end && all[colon] == UInt8(ascii: ":") && Self.sameName(all, from: start, as: wanted) {
                        var valueStart = colon + 1
                        var valueEnd = end
                        while valueStart < valueEnd && Self.isSpace(all[valueStart]) { valueStart += 1 }
                        while valueEnd > valueStart && Self.isSpace(all[valueEnd - 1]) { valueEnd -= 1 }
                        found = valueStart..<valueEnd
                    }
                    start = end + 1
                }
                return body(found.map { UnsafeBufferPointer(rebasing: all[$0]) })
            }
        }
    }

    /// True when the bytes of `all` from `start` are `name`, ASCII case aside.
    private static func sameName(
        _ all: UnsafeBufferPointer<UInt8>, from start: Int, as name: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        for index in 0..<name.count where lower(all[start + index]) != lower(name[index]) { return false }
        return true
    }

    /// Every header, names in lower case (the last of a repeated name wins).
    var all: [String: String] {
        var headers: [String: String] = [:]
        forEachHeader { name, value in
            headers[lowercasedName(name)] = String(decoding: value, as: UTF8.self)
        }
        return headers
    }

    /// Every header as a list in the order received, names in lower case, each name once (the last of a repeated
    /// name wins): what `all` holds, without hashing every name into a dictionary.
    var list: [(String, String)] {
        var received: [(String, String)] = []
        forEachHeader { name, value in
            received.append((lowercasedName(name), String(decoding: value, as: UTF8.self)))
        }
        // Linear even for a hostile peer's thousands of repeated names: keep each name's last line, in its place.
        var seen = Set<String>()
        var headers: [(String, String)] = []
        for header in received.reversed() where seen.insert(header.0).inserted { headers.append(header) }
        return headers.reversed()
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
