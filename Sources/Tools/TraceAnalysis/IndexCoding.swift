/// The on-disk form of a `TraceFileIndex`: a magic line, then little-endian 64-bit fields and arrays with their
/// counts. Read back with every count and offset checked against the data and the file: a damaged or foreign
/// index decodes to nil (and is rebuilt), never to a wrong answer or a crash.
enum IndexCoding {
    private static let magic = Array("bookstore-trace-index 1\n".utf8)

    static func encode(_ index: TraceFileIndex) -> [UInt8] {
        var bytes = magic
        func put(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        let path = Array(index.path.utf8)
        put(UInt64(path.count))
        bytes += path
        put(UInt64(index.size))
        put(UInt64(bitPattern: index.modified))
        put(index.tail.map { UInt64($0) } ?? UInt64.max)
        put(UInt64(index.tailLineBase))
        put(UInt64(index.members.count))
        for (offset, lines) in zip(index.members, index.lineBases) {
            put(UInt64(offset))
            put(UInt64(lines))
        }
        put(UInt64(index.keys.count))
        for (key, member) in zip(index.keys, index.keyMembers) {
            put(key)
            put(UInt64(member))
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> TraceFileIndex? {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { return nil }
        var position = magic.count
        func take() -> UInt64? {
            guard position + 8 <= bytes.count else { return nil }
            var value: UInt64 = 0
            for shift in 0..<8 { value |= UInt64(bytes[position + shift]) << (8 * UInt64(shift)) }
            position += 8
            return value
        }
        func small(_ limit: Int) -> Int? { take().flatMap { Int(exactly: $0) }.flatMap { $0 <= limit ? $0 : nil } }
        guard let pathCount = small(bytes.count - position), position + pathCount <= bytes.count,
            let path = String(validating: bytes[position..<(position + pathCount)], as: UTF8.self)
        else { return nil }
        position += pathCount
        guard let size = small(Int.max), let modified = take(), let tail = take(), let tailLines = small(Int.max),
            let memberCount = small((bytes.count - position) / 16)
        else { return nil }
        var index = TraceFileIndex(path: path, size: size, modified: Int64(bitPattern: modified))
        index.tail = tail == UInt64.max ? nil : Int(exactly: tail).flatMap { $0 <= size ? $0 : nil }
        if tail != UInt64.max && index.tail == nil { return nil }
        index.tailLineBase = tailLines
        for _ in 0..<memberCount {
            guard let offset = small(size), let lines = small(Int.max) else { return nil }
            index.members.append(offset)
            index.lineBases.append(lines)
        }
        guard let keyCount = small((bytes.count - position) / 16) else { return nil }
        for _ in 0..<keyCount {
            guard let key = take(), let member = small(memberCount - 1) else { return nil }
            index.keys.append(key)
            index.keyMembers.append(UInt32(member))
        }
        guard position == bytes.count, zip(index.keys, index.keys.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            return nil
        }
        return index
    }
}
