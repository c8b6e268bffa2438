import Glibc
import TraceModel

/// The keys of the trace line envelope that `JSONScanner.event()` reads, recognised from their bytes: comparing
/// `String`s that differ goes through the standard library's slow path (it checks for canonical equivalence), once
/// per key and case. Byte comparison gives the same answer for these keys: they are ASCII, and no other sequence of
/// Unicode scalars is canonically equivalent to them (the only singletons that decompose to ASCII give `K`, `;`
/// and `` ` ``, which no key contains).
enum EnvelopeKey {
    case version, ts, node, pid, seq, kind, trace, span, parent, clock, data, other

    init(_ key: UnsafeBufferPointer<UInt8>) {
        switch key.count {
        case 1: self = key.matches("v") ? .version : .other
        case 2: self = key.matches("ts") ? .ts : key.matches("vc") ? .clock : .other
        case 3: self = key.matches("pid") ? .pid : key.matches("seq") ? .seq : .other
        case 4:
            self =
                key.matches("node")
                ? .node
                : key.matches("kind")
                    ? .kind
                    : key.matches("span")
                        ? .span
                        : key.matches("data") ? .data : .other
        case 5: self = key.matches("trace") ? .trace : .other
        case 6: self = key.matches("parent") ? .parent : .other
        default: self = .other
        }
    }
}

/// The fields of an RPC event's `data` (`RPCDataFields`), recognised from their bytes like `EnvelopeKey`.
enum RPCDataKey: UInt8 {
    case msg = 1
    case peer = 2
    case method = 4
    case status = 8
    case error = 16
    case httpStatus = 32
    case durationNanos = 64

    init?(_ key: UnsafeBufferPointer<UInt8>) {
        switch key.count {
        case 3: if key.matches("msg") { self = .msg } else { return nil }
        case 4: if key.matches("peer") { self = .peer } else { return nil }
        case 5: if key.matches("error") { self = .error } else { return nil }
        case 6:
            if key.matches("method") {
                self = .method
            } else if key.matches("status") {
                self = .status
            } else {
                return nil
            }
        case 11:
            if key.matches("http_status") {
                self = .httpStatus
            } else if key.matches("duration_ns") {
                self = .durationNanos
            } else {
                return nil
            }
        default: return nil
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// True when these bytes are `word`'s.
    func matches(_ word: StaticString) -> Bool {
        guard count == word.utf8CodeUnitCount, let base = baseAddress else {
            return count == 0 && word.utf8CodeUnitCount == 0
        }
        return memcmp(base, word.utf8Start, count) == 0
    }

    /// True for the bytes of an RPC kind (`RPCDataFields.kinds`).
    var isRPCKind: Bool {
        guard count >= 8, matchesPrefix("rpc.") else { return false }
        return matches("rpc.send") || matches("rpc.receive") || matches("rpc.reply.send")
            || matches("rpc.reply.receive") || matches("rpc.failure")
    }

    private func matchesPrefix(_ word: StaticString) -> Bool {
        count >= word.utf8CodeUnitCount && memcmp(baseAddress!, word.utf8Start, word.utf8CodeUnitCount) == 0
    }
}

extension JSONScanner {
    /// Where the first byte at or after `start` is that ends a string's plain run: `"`, `\` or a control byte, or
    /// where the last 8-byte word that holds none of them ends (the caller reads the rest one byte at a time).
    @inline(__always)
    func plainStringStop(from start: Int) -> Int {
        var position = start
        guard let base = bytes.baseAddress else { return position }
        let raw = UnsafeRawPointer(base)
        // Eight bytes at a time while none of them is a quote, a backslash or a control character.
        while position &+ 8 <= bytes.count {
            let found = JSONStringBytes.escapeStops(raw.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            // The lowest flagged byte is exact (the flags above it may not be): go straight to it.
            guard found == 0 else { return position &+ found.trailingZeroBitCount &>> 3 }
            position &+= 8
        }
        return position
    }

    /// The bytes of the string at the cursor when it holds no escape and no control character (the cursor then
    /// after its closing quote); nil, with the cursor where it was, otherwise (read it with `string()`).
    mutating func plainStringBytes() -> UnsafeBufferPointer<UInt8>? {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        var end = plainStringStop(from: index + 1)
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                let text = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end])
                index = end + 1
                return text
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            end += 1
        }
        return nil
    }

    /// The envelope key at the cursor; nil when no valid string is there.
    mutating func envelopeKey() -> EnvelopeKey? {
        if let bytes = plainStringBytes() { return EnvelopeKey(bytes) }
        guard var key = string() else { return nil }
        return key.withUTF8 { EnvelopeKey($0) }
    }

    /// The `kind` value at the cursor, and whether it is an RPC kind; nil when no valid string is there.
    mutating func kindValue() -> (kind: String, isRPC: Bool)? {
        if let bytes = plainStringBytes() { return (strings.string(bytes), bytes.isRPCKind) }
        guard var kind = string() else { return nil }
        return (kind, kind.withUTF8 { $0.isRPCKind })
    }

    /// The `data` key of an RPC event at the cursor: `.some(nil)` for a key that is not an RPC field, nil when no
    /// valid string is there.
    mutating func rpcDataKey() -> RPCDataKey?? {
        if let bytes = plainStringBytes() { return .some(RPCDataKey(bytes)) }
        guard var key = string() else { return nil }
        return .some(key.withUTF8 { RPCDataKey($0) })
    }
}

/// True when the `count` (8 or more) bytes at `lhs` and `rhs` are the same, compared 8 at a time (the last 8
/// overlapping the others): keys and short strings without a call to `memcmp`.
@inline(__always)
func sameBytesByWords(_ lhs: UnsafePointer<UInt8>, _ rhs: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    let left = UnsafeRawPointer(lhs)
    let right = UnsafeRawPointer(rhs)
    var offset = 0
    while offset &+ 8 < count {
        guard
            left.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                == right.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        else { return false }
        offset &+= 8
    }
    return left.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        == right.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
}
