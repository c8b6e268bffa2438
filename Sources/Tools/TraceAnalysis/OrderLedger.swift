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

    private var pairs: Set<Pair> = []
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
        var halves: (UInt64, UInt64) = (0, 0)
        for half in 0..<2 {
            var value: UInt64 = 0
            for byte in bytes[(half * 16)..<(half * 16 + 16)] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
                default: return nil
                }
                value = value << 4 | UInt64(digit)
            }
            if half == 0 { halves.0 = value } else { halves.1 = value }
        }
        return Pair(high: halves.0, low: halves.1)
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
