/// The strings of 8 to 64 bytes a file's lines repeat (kinds, trace ids, message ids, log messages), so that a
/// repeat costs a comparison instead of an allocation: a direct-mapped table, a new string replacing the one in its
/// slot. Strings of up to 15 bytes are stored inline by `String` (no allocation), but finding one here still costs
/// less than validating and building it again; strings of under 8 bytes have a table of their own (`short`).
///
/// Each slot keeps a copy of its string's bytes and their hash next to the `String`: a lookup compares plain bytes,
/// without reaching into (and retaining) the string's storage, which may have been made on another thread's core.
struct StringTable {
    static let slotCount = 1024
    static let lengths = 8...64
    private var slots: [String]
    /// Per slot: the hash of its bytes mixed with their length (0: empty), and the bytes (`lengths.upperBound` each).
    private var hashes: [UInt64]
    private var contents: [UInt8]
    /// The strings of 1 to 7 bytes (256 slots), by their bytes and length packed into a word (0: empty).
    private var shortKeys: [UInt64]
    private var shortSlots: [String]

    init() {
        slots = Array(repeating: "", count: Self.slotCount)
        hashes = Array(repeating: 0, count: Self.slotCount)
        contents = Array(repeating: 0, count: Self.slotCount * Self.lengths.upperBound)
        shortKeys = Array(repeating: 0, count: 256)
        shortSlots = Array(repeating: "", count: 256)
    }

    /// An empty table that interns nothing (a scanner made for one object, `RPCDataFields.object`).
    init(empty: Void) { (slots, hashes, contents, shortKeys, shortSlots) = ([], [], [], [], []) }

    /// The string of `bytes` (valid or not: invalid UTF-8 is repaired like `String(decoding:as:)` does).
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if bytes.count < Self.lengths.lowerBound, bytes.count > 0, !slots.isEmpty { return short(bytes) }
        guard Self.lengths.contains(bytes.count), !slots.isEmpty, let base = bytes.baseAddress else {
            return String(decoding: bytes, as: UTF8.self)
        }
        // A cheap hash of the length and the first and last 8 bytes (every string here has at least 8).
        let raw = UnsafeRawPointer(base)
        let head = raw.loadUnaligned(as: UInt64.self)
        let tail = raw.loadUnaligned(fromByteOffset: bytes.count &- 8, as: UInt64.self)
        let mixed = (head &* 0x9E37_79B9_7F4A_7C15 ^ tail &* 0xC2B2_AE3D_27D4_EB4F) &+ UInt64(bytes.count)
        let slot = Int(truncatingIfNeeded: (mixed ^ mixed &>> 29) % UInt64(Self.slotCount))
        // The length is in the tag's low byte, and a tag is never 0 (an empty slot).
        let tag = (mixed &<< 8) | UInt64(bytes.count)
        let offset = slot &* Self.lengths.upperBound
        let same = contents.withUnsafeBufferPointer { stored in
            hashes[slot] == tag && sameBytesByWords(stored.baseAddress! + offset, base, bytes.count)
        }
        if same { return slots[slot] }
        let made = String(decoding: bytes, as: UTF8.self)
        slots[slot] = made
        hashes[slot] = tag
        contents.withUnsafeMutableBufferPointer { stored in
            (stored.baseAddress! + offset).update(from: base, count: bytes.count)
        }
        return made
    }

    /// A string of 1 to 7 bytes (field names, small values), found by its bytes packed into one word with its
    /// length: validating and building it again cost a few hundred instructions, the lookup a few dozen.
    private mutating func short(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var packed = UInt64(bytes.count) &<< 56
        for offset in 0..<bytes.count { packed |= UInt64(bytes[offset]) &<< UInt64(offset &* 8) }
        let mixed = packed &* 0x9E37_79B9_7F4A_7C15
        let slot = Int(truncatingIfNeeded: mixed &>> 56)
        if shortKeys[slot] == packed { return shortSlots[slot] }
        let made = String(decoding: bytes, as: UTF8.self)
        shortKeys[slot] = packed
        shortSlots[slot] = made
        return made
    }
}
