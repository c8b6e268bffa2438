/// The orders of one run as the durable queue saw them, for checking consecutive runs together.
public struct OrderLedger: Sendable, Codable, Equatable {
    /// Approved orders not committed that the durable queue still held at the end of the run.
    public var waiting: [String] = []
    /// Orders committed at the queue in this run (repeats included).
    public var committed: [String] = []
    /// Orders the queue recovered at start that this run did not approve (left waiting by an earlier run).
    public var carried: [String] = []

    public init() {}
}

/// A set of order ids: 128-bit values for 32-hex-digit ids (16 bytes each), strings otherwise.
struct CompactIDSet {
    struct Pair: Hashable {
        var high: UInt64
        var low: UInt64
    }

    private var pairs = PairSet()
    private var others: Set<String> = []

    /// The id as a 128-bit value when it is 32 hex digits (either case; as `UInt64(_:radix: 16)` reads each half).
    static func pair(_ id: String) -> Pair? {
        let utf8 = id.utf8
        guard utf8.count == 32 else { return nil }
        // 32 ASCII hex digits (the common case), read directly; anything else the way `UInt64(_:radix:)` reads it.
        var id = id
        if let pair = id.withUTF8({ hexPair($0) }) { return pair }
        guard let high = UInt64(id.prefix(16), radix: 16), let low = UInt64(id.suffix(16), radix: 16) else {
            return nil
        }
        return Pair(high: high, low: low)
    }

    /// The two 64-bit halves of 32 hex digits (either case), nil when a byte is not a hex digit.
    private static func hexPair(_ bytes: UnsafeBufferPointer<UInt8>) -> Pair? {
        guard bytes.count == 32, let base = bytes.baseAddress else { return nil }
        var invalid: UInt8 = 0
        func half(_ start: Int) -> UInt64 {
            var value: UInt64 = 0
            for offset in start..<(start + 16) {
                let digit = hexDigit(base[offset])
                invalid |= digit
                value = value << 4 | UInt64(digit & 0x0f)
            }
            return value
        }
        let pair = Pair(high: half(0), low: half(16))
        return invalid < 16 ? pair : nil
    }

    /// The value of a hex digit (either case), or a value ≥ 16 for any other byte (no branch on the byte: the ids'
    /// digits and letters are mixed at random).
    private static func hexDigit(_ byte: UInt8) -> UInt8 {
        let decimal = byte &- UInt8(ascii: "0")
        let letter = (byte | 0x20) &- UInt8(ascii: "a")
        return decimal < 10 ? decimal : letter < 6 ? letter &+ 10 : 0xff
    }

    mutating func insert(_ id: String) { insert(id, pair: Self.pair(id)) }

    /// `pair` is `CompactIDSet.pair(id)`.
    mutating func insert(_ id: String, pair: Pair?) {
        if let pair { pairs.insert(pair) } else { others.insert(id) }
    }

    func contains(_ id: String) -> Bool { contains(id, pair: Self.pair(id)) }

    /// `pair` is `CompactIDSet.pair(id)`.
    func contains(_ id: String, pair: Pair?) -> Bool {
        if let pair { return pairs.contains(pair) }
        return others.contains(id)
    }
}

/// A set of `CompactIDSet.Pair`s: open addressing (linear probing, at most three quarters full) on a mix of the two
/// halves, computed without `Hasher` (the pairs are ids with random bits).
private struct PairSet {
    typealias Pair = CompactIDSet.Pair

    /// By slot: a pair, or (0, 0) for an empty slot (the pair (0, 0) itself is `holdsZero`).
    private var slots = [Pair](repeating: Pair(high: 0, low: 0), count: 16)
    private var holdsZero = false
    private var count = 0

    private static func home(_ pair: Pair, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: IDHash.mix(pair.high ^ pair.low &* 0x9e37_79b9_7f4a_7c15)) & mask
    }

    private static func isEmpty(_ pair: Pair) -> Bool { pair.high == 0 && pair.low == 0 }

    func contains(_ pair: Pair) -> Bool {
        if Self.isEmpty(pair) { return holdsZero }
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Self.home(pair, mask)
            while true {
                let stored = slots[slot]
                if stored == pair { return true }
                if Self.isEmpty(stored) { return false }
                slot = (slot &+ 1) & mask
            }
        }
    }

    mutating func insert(_ pair: Pair) {
        if Self.isEmpty(pair) {
            holdsZero = true
            return
        }
        guard !contains(pair) else { return }
        if (count + 1) * 4 > slots.count * 3 {
            let old = slots
            slots = [Pair](repeating: Pair(high: 0, low: 0), count: old.count * 2)
            for stored in old where !Self.isEmpty(stored) { place(stored) }
        }
        place(pair)
        count += 1
    }

    /// Puts `pair`, known to be absent, into its first empty slot.
    private mutating func place(_ pair: Pair) {
        let mask = slots.count - 1
        var slot = Self.home(pair, mask)
        while !Self.isEmpty(slots[slot]) { slot = (slot &+ 1) & mask }
        slots[slot] = pair
    }
}
