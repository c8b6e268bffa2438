/// Appends little-endian integers, LEB128 varints and length-prefixed strings to a byte buffer.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func uvarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    /// Zig-zag: small negative numbers stay short.
    mutating func varint(_ value: Int64) {
        uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func int(_ value: Int) { varint(Int64(value)) }

    mutating func string(_ value: String) {
        uvarint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func optionalString(_ value: String?) {
        guard let value else { return byte(0) }
        byte(1)
        string(value)
    }

    mutating func optionalInt(_ value: Int?) {
        guard let value else { return byte(0) }
        byte(1)
        int(value)
    }

    mutating func uint32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Overwrites the four bytes at `offset` (written before) with `value`, little-endian.
    mutating func put(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(8 * index)) }
    }
}

/// Why bytes could not be decoded.
struct DecodeFailure: Error, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Reads what `ByteWriter` wrote, never past the end: every read checks its bounds and throws instead.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = start
        self.end = end ?? bytes.count
    }

    var isAtEnd: Bool { offset >= end }

    mutating func byte() throws -> UInt8 {
        guard offset < end else { throw DecodeFailure("record ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uvarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64, shift < 63 || next <= 1 else { throw DecodeFailure("varint overflows 64 bits") }
            result |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return result }
            shift += 7
        }
    }

    mutating func varint() throws -> Int64 {
        let raw = try uvarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// An `Int` within `range`.
    mutating func int(in range: ClosedRange<Int>) throws -> Int {
        let value = try varint()
        guard let exact = Int(exactly: value), range.contains(exact) else {
            throw DecodeFailure("number \(value) outside \(range)")
        }
        return exact
    }

    mutating func string(maxBytes: Int) throws -> String {
        let count = try uvarint()
        guard count <= UInt64(maxBytes), let length = Int(exactly: count), length <= end - offset else {
            throw DecodeFailure("string of \(count) bytes is too long")
        }
        let range = offset..<(offset + length)
        offset += length
        let text = bytes.withUnsafeBufferPointer { buffer in
            String(validating: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
        }
        guard let text else { throw DecodeFailure("invalid UTF-8") }
        return text
    }

    /// A non-empty string of at most `maxBytes` bytes that all satisfy `allowed` (an ASCII set); nil otherwise.
    mutating func asciiString(maxBytes: Int, where allowed: (UInt8) -> Bool) throws -> String? {
        let count = try uvarint()
        guard count >= 1, count <= UInt64(maxBytes), let length = Int(exactly: count), length <= end - offset else {
            return nil
        }
        let range = offset..<(offset + length)
        offset += length
        return bytes.withUnsafeBufferPointer { buffer in
            let slice = UnsafeBufferPointer(rebasing: buffer[range])
            return slice.allSatisfy(allowed) ? String(decoding: slice, as: UTF8.self) : nil
        }
    }

    mutating func optionalString(maxBytes: Int) throws -> String? {
        switch try byte() {
        case 0: return nil
        case 1: return try string(maxBytes: maxBytes)
        case let flag: throw DecodeFailure("bad optional flag \(flag)")
        }
    }

    mutating func optionalInt(in range: ClosedRange<Int>) throws -> Int? {
        switch try byte() {
        case 0: return nil
        case 1: return try int(in: range)
        case let flag: throw DecodeFailure("bad optional flag \(flag)")
        }
    }

    mutating func uint32() throws -> UInt32 {
        guard end - offset >= 4 else { throw DecodeFailure("record ends early") }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << UInt32(8 * index) }
        offset += 4
        return value
    }
}
