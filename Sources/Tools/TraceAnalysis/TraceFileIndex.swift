import Foundation
import TraceFormat

/// Where the events of each order are in one trace file: the file's whole gzip members, and for every order or
/// trace id (its first 16 hex digits) the members that mention it. Built once in one pass over the file, kept in
/// a cache directory, rebuilt when the file's size or modification time changes. The damaged or still-growing
/// tail after the last whole member is not indexed: queries read it in full.
struct TraceFileIndex: Equatable {
    var path: String
    var size: Int
    var modified: Int64
    /// Start offset of every whole member, and the lines before it.
    var members: [Int] = []
    var lineBases: [Int] = []
    /// Where the whole members end (nil when the file ends with a whole member), and the lines before it.
    var tail: Int?
    var tailLineBase = 0
    /// Sorted id keys, and the member of each.
    var keys: [UInt64] = []
    var keyMembers: [UInt32] = []

    /// The file's identity on disk: size and modification time (ns), or nil when it cannot be read.
    static func stamp(_ path: String) -> (size: Int, modified: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (Int(info.st_size), Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec))
    }

    /// Reads the file and indexes it.
    static func build(_ path: String) throws -> TraceFileIndex {
        guard let stamp = stamp(path) else { throw TraceReadError.cannotOpen(path, errno) }
        var index = TraceFileIndex(path: path, size: stamp.size, modified: stamp.modified)
        var lines = 0
        var pairs: [(UInt64, UInt32)] = []
        index.tail = try MemberInflater().wholeMembers(at: path) { offset, content in
            let member = UInt32(index.members.count)
            index.members.append(offset)
            index.lineBases.append(lines)
            lines += IDScanner.lineCount(content)
            IDScanner.keys(in: content) { pairs.append(($0, member)) }
        }
        index.tailLineBase = lines
        pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var last: (UInt64, UInt32)?
        for pair in pairs where last.map({ $0 != pair }) ?? true {
            index.keys.append(pair.0)
            index.keyMembers.append(pair.1)
            last = pair
        }
        return index
    }

    /// The members that mention an id starting with `prefix` (hex digits, lowercase), in file order.
    func members(matching prefix: String) -> [Int] {
        guard let (low, high) = IDScanner.range(prefix) else { return Array(members.indices) }
        var lower = 0
        var upper = keys.count
        while lower < upper {
            let middle = (lower + upper) / 2
            if keys[middle] < low { lower = middle + 1 } else { upper = middle }
        }
        var found = Set<Int>()
        var position = lower
        while position < keys.count, keys[position] <= high {
            found.insert(Int(keyMembers[position]))
            position += 1
        }
        return found.sorted()
    }
}

/// Finds order and trace ids in decompressed trace lines without decoding them.
enum IDScanner {
    private static let patterns: [[UInt8]] = [Array("\"trace\":\"".utf8), Array("\"order\":\"".utf8)]

    static func lineCount(_ content: UnsafeBufferPointer<UInt8>) -> Int {
        guard var cursor = content.baseAddress else { return 0 }
        let end = cursor + content.count
        var count = 0
        while cursor < end, let found = memchr(cursor, 0x0A, end - cursor) {
            count += 1
            cursor = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return count
    }

    /// Calls `found` with the key (first 16 hex digits) of every `"trace":"…"` and `"order":"…"` value.
    static func keys(in content: UnsafeBufferPointer<UInt8>, _ found: (UInt64) -> Void) {
        guard let base = content.baseAddress else { return }
        var start = 0
        // Every key starts with a quote: find quotes with memchr, then compare the patterns there.
        while start < content.count, let hit = memchr(base + start, 0x22, content.count - start) {
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            start = at + 1
            for pattern in patterns
            where at + pattern.count <= content.count
                && memcmp(base + at, pattern, pattern.count) == 0
            {
                let value = at + pattern.count
                if let key = key(UnsafeBufferPointer(rebasing: content[value..<min(content.count, value + 16)])) {
                    found(key)
                }
                start = value
            }
        }
    }

    /// The hex digits as a key (shorter ones padded with zeros on the right), nil at a non-hex digit.
    static func key(_ digits: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        var count = 0
        for byte in digits {
            if byte == 0x22 { break }  // the closing quote of a short id
            let nibble: UInt8
            switch byte {
            case 0x30...0x39: nibble = byte - 0x30
            case 0x61...0x66: nibble = byte - 0x57
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
            count += 1
        }
        guard count > 0 else { return nil }
        return count == 16 ? value : value << (4 * UInt64(16 - count))
    }

    /// The key range of ids starting with `prefix` (nil when it is not lowercase hex).
    static func range(_ prefix: String) -> (UInt64, UInt64)? {
        let digits = Array(prefix.utf8.prefix(16))
        guard let low = digits.withUnsafeBufferPointer({ key($0) }), !digits.contains(0x22) else { return nil }
        let free = 4 * (16 - digits.count)
        return (low, free == 0 ? low : low | ((UInt64(1) << UInt64(free)) - 1))
    }
}
