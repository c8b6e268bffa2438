/// An id (message id, span id) as the checks keep it in their tables: up to 32 ASCII bytes inline, in four words (no
/// reference to count when a key is copied, compared or dropped), any other id as its string. Equality is `String`'s
/// (canonical equivalence), as `IDHash` is.
struct PackedID: Equatable {
    typealias Words = (UInt64, UInt64, UInt64, UInt64)
    /// `count` of an id kept as `text`.
    static let textCount: UInt8 = .max

    /// The id's ASCII bytes in memory order, zero after them (when `count` ≤ 32).
    let words: Words
    /// How many bytes `words` holds, or `textCount`.
    let count: UInt8
    /// The id when it is not kept inline (longer than 32 bytes or not ASCII).
    let text: String?

    /// An id packed inline (`count` ≤ 32, `words` zero after it).
    init(words: Words, count: UInt8) { (self.words, self.count, text) = (words, count, nil) }

    /// The id whose UTF-8 bytes (or bytes that `String(decoding:as:)` repairs) are `bytes`.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let packed = Self.packed(bytes) {
            (words, count, text) = (packed.words, packed.count, nil)
        } else {
            (words, count, text) = ((0, 0, 0, 0), Self.textCount, String(decoding: bytes, as: UTF8.self))
        }
    }

    init(_ id: String) {
        var copy = id
        let packed = id.utf8.withContiguousStorageIfAvailable { Self.packed($0) } ?? copy.withUTF8 { Self.packed($0) }
        if let packed {
            (words, count, text) = (packed.words, packed.count, nil)
        } else {
            (words, count, text) = ((0, 0, 0, 0), Self.textCount, id)
        }
    }

    /// The id as a string.
    var string: String {
        if let text { return text }
        return withUnsafeBytes(of: words) { String(decoding: $0.prefix(Int(count)), as: UTF8.self) }
    }

    static func == (lhs: PackedID, rhs: PackedID) -> Bool {
        if lhs.text == nil && rhs.text == nil {
            return lhs.count == rhs.count && sameWords(lhs.words, rhs.words)
        }
        // An ASCII id equals a non-ASCII one when they are canonically equivalent (U+212A KELVIN SIGN is K).
        return lhs.string == rhs.string
    }

    /// True when two inline ids' words are the same (their counts compared apart).
    @inline(__always)
    static func sameWords(_ lhs: Words, _ rhs: Words) -> Bool {
        lhs.0 == rhs.0 && lhs.1 == rhs.1 && lhs.2 == rhs.2 && lhs.3 == rhs.3
    }

    /// `bytes` in four words (in memory order) and their count; nil when they are more than 32 or not ASCII.
    static func packed(_ bytes: UnsafeBufferPointer<UInt8>) -> (words: Words, count: UInt8)? {
        guard bytes.count <= 32 else { return nil }
        var words: Words = (0, 0, 0, 0)
        if let base = bytes.baseAddress {
            // Whole words, then the tail byte by byte (cheaper than a call to memcpy for ids this short).
            let source = UnsafeRawPointer(base)
            withUnsafeMutableBytes(of: &words) { target in
                var offset = 0
                while offset + 8 <= bytes.count {
                    target.storeBytes(
                        of: source.loadUnaligned(fromByteOffset: offset, as: UInt64.self), toByteOffset: offset,
                        as: UInt64.self)
                    offset += 8
                }
                while offset < bytes.count {
                    target[offset] = base[offset]
                    offset += 1
                }
            }
        }
        // ASCII: no byte has its high bit set (the words' unused bytes are zero).
        guard (words.0 | words.1 | words.2 | words.3) & 0x8080_8080_8080_8080 == 0 else { return nil }
        return (words, UInt8(bytes.count))
    }
}
