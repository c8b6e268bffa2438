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
    private struct Pair: Hashable {
        var high: UInt64
        var low: UInt64
    }

    private var pairs: Set<Pair> = []
    private var others: Set<String> = []

    private static func pair(_ id: String) -> Pair? {
        let utf8 = id.utf8
        guard utf8.count == 32, let high = UInt64(id.prefix(16), radix: 16), let low = UInt64(id.suffix(16), radix: 16)
        else { return nil }
        return Pair(high: high, low: low)
    }

    mutating func insert(_ id: String) {
        if let pair = Self.pair(id) { pairs.insert(pair) } else { others.insert(id) }
    }

    func contains(_ id: String) -> Bool {
        if let pair = Self.pair(id) { return pairs.contains(pair) }
        return others.contains(id)
    }
}
