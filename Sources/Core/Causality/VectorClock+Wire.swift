/// The bounds a vector clock read from the wire must respect before it may be merged into a node's clock.
public struct WireClockLimits: Sendable {
    /// The largest counter accepted from the wire: 2^53 leaves room for every node to keep ticking for
    /// centuries, and stays exact in JSON readers that use doubles.
    public static let defaultMaxCounter: UInt64 = 1 << 53
    /// The longest node id (bytes).
    public static let maxNodeIDBytes = 64

    /// Most entries a clock may carry.
    public var maxEntries: Int
    /// Largest counter of any entry.
    public var maxCounter: UInt64
    /// Node ids a clock may name; nil accepts any well-formed id.
    public var knownNodes: Set<String>?

    public init(maxEntries: Int, maxCounter: UInt64 = Self.defaultMaxCounter, knownNodes: Set<String>? = nil) {
        self.maxEntries = max(1, maxEntries)
        self.maxCounter = maxCounter
        self.knownNodes = knownNodes
    }

    /// The longest header text such a clock can have (ids, 20-digit counters, quotes and separators).
    public var maxTextBytes: Int {
        let perEntry = Self.maxNodeIDBytes * 2 + 20 + 4
        return 2 + min(maxEntries, 4096) * perEntry
    }

    /// True for `[A-Za-z0-9_.-]{1,64}`: the shape of every node id of the cluster.
    public static func isWellFormedNodeID(_ text: String) -> Bool {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= maxNodeIDBytes else { return false }
        return bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F
        }
    }
}

/// Why a clock from the wire was refused. `reason` is a short stable label (metrics, logs).
public enum WireClockRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLong(bytes: Int, limit: Int)
    case malformed
    case tooManyEntries(limit: Int)
    case badNodeID
    case duplicateNode(String)
    case unknownNode(String)
    case counterOutOfRange(node: String, limit: UInt64)

    /// A stable label: `clock_too_long`, `clock_malformed`, …
    public var reason: String {
        switch self {
        case .tooLong: return "clock_too_long"
        case .malformed: return "clock_malformed"
        case .tooManyEntries: return "clock_too_many_entries"
        case .badNodeID: return "clock_bad_node_id"
        case .duplicateNode: return "clock_duplicate_node"
        case .unknownNode: return "clock_unknown_node"
        case .counterOutOfRange: return "clock_counter_out_of_range"
        }
    }

    public var description: String {
        switch self {
        case .tooLong(let bytes, let limit): return "vector clock header is \(bytes) bytes (limit \(limit))"
        case .malformed: return "vector clock header is not a flat JSON object of counters"
        case .tooManyEntries(let limit): return "vector clock has more than \(limit) entries"
        case .badNodeID: return "vector clock names a malformed node id"
        case .duplicateNode(let node): return "vector clock names \(node) twice"
        case .unknownNode(let node): return "vector clock names \(node), which is not a node of this cluster"
        case .counterOutOfRange(let node, let limit): return "vector clock counter of \(node) is above \(limit)"
        }
    }
}

extension VectorClock {
    /// Parses and checks a clock from a message header against `limits`: size first (before any parsing),
    /// then shape, entry count, node ids (format, duplicates, membership) and counters. Nothing is merged here.
    public static func parse(wireText text: String, limits: WireClockLimits) -> Result<VectorClock, WireClockRejection>
    {
        let size = text.utf8.count
        guard size <= limits.maxTextBytes else { return .failure(.tooLong(bytes: size, limit: limits.maxTextBytes)) }
        var text = text
        return text.withUTF8 { bytes in parse(wireBytes: bytes, limits: limits) }
    }

    /// `parse(wireText:limits:)` on the header's bytes (no string is made of them but the node ids).
    public static func parse(
        wireBytes bytes: UnsafeBufferPointer<UInt8>, limits: WireClockLimits
    ) -> Result<VectorClock, WireClockRejection> {
        guard bytes.count <= limits.maxTextBytes else {
            return .failure(.tooLong(bytes: bytes.count, limit: limits.maxTextBytes))
        }
        var parser = FlatObjectParser(bytes: bytes)
        var builder = SortedEntries()
        var count = 0
        let outcome = parser.parse { key, value in
            count += 1
            guard count <= limits.maxEntries else { return .tooManyEntries(limit: limits.maxEntries) }
            guard WireClockLimits.isWellFormedNodeID(key) else { return .badNodeID }
            guard let slot = builder.slot(for: key) else { return .duplicateNode(key) }
            if let known = limits.knownNodes, !known.contains(key) { return .unknownNode(key) }
            guard let value, value <= limits.maxCounter else {
                return .counterOutOfRange(node: key, limit: limits.maxCounter)
            }
            builder.insert((key, value), at: slot)
            return nil
        }
        if let outcome { return .failure(outcome) }
        return .success(builder.clock())
    }
}

/// Entries collected in node id order as a parser reads them (a clock's text is sorted, so each usually goes at
/// the end); zero counters are kept until `clock()` so that a repeated id is seen as one.
struct SortedEntries {
    private var entries: [VectorClock.Entry] = []

    /// Where `node` goes, or nil when it is there already.
    func slot(for node: String) -> Int? {
        guard let last = entries.last, !(last.key < node) else { return entries.count }
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            let current = entries[middle].key
            if current == node { return nil }
            if current < node { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func insert(_ entry: VectorClock.Entry, at slot: Int) {
        if slot == entries.count { entries.append(entry) } else { entries.insert(entry, at: slot) }
    }

    func clock() -> VectorClock {
        VectorClock(uncheckedSorted: entries.contains { $0.value == 0 } ? entries.filter { $0.value > 0 } : entries)
    }
}

/// A byte-level reader of `{"key":digits,…}`; whitespace (space, tab) allowed between tokens.
struct FlatObjectParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) -> Bool {
        skipSpace()
        guard current == byte else { return false }
        index += 1
        return true
    }

    /// Calls `entry` for each key and counter (nil when the counter does not fit in 64 bits); stops at the
    /// first rejection `entry` returns. Returns that rejection, `.malformed`, or nil when the text is valid.
    mutating func parse(_ entry: (String, UInt64?) -> WireClockRejection?) -> WireClockRejection? {
        guard expect(UInt8(ascii: "{")) else { return .malformed }
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                guard let key = readKey(), expect(UInt8(ascii: ":")) else { return .malformed }
                skipSpace()
                guard let value = readCounter() else { return .malformed }
                if let rejection = entry(key, value.fits ? value.value : nil) { return rejection }
                skipSpace()
                if current == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard expect(UInt8(ascii: "}")) else { return .malformed }
                break
            }
        }
        skipSpace()
        return index == bytes.count ? nil : .malformed
    }

    /// A quoted key; escapes other than `\"`, `\\` and `\/` are refused.
    private mutating func readKey() -> String? {
        guard expect(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var escaped = false
        while let byte = current, byte != UInt8(ascii: "\"") {
            index += 1
            if byte == UInt8(ascii: "\\") {
                guard let next = current, next == 0x22 || next == 0x5C || next == 0x2F else { return nil }
                index += 1
                escaped = true
            } else {
                // JSON has no raw control characters in strings; `description` would print them escaped, in a
                // form this parser does not read, so such a clock could not travel on (found by FuzzVectorClock).
                guard byte >= 0x20 else { return nil }
            }
        }
        let end = index
        guard expect(UInt8(ascii: "\"")) else { return nil }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard escaped else { return String(decoding: raw, as: UTF8.self) }
        var key: [UInt8] = []
        key.reserveCapacity(raw.count)
        var position = 0
        while position < raw.count {
            if raw[position] == UInt8(ascii: "\\") { position += 1 }
            key.append(raw[position])
            position += 1
        }
        return String(decoding: key, as: UTF8.self)
    }

    /// Decimal digits with checked arithmetic: an overflow is reported, never trapped on.
    private mutating func readCounter() -> (value: UInt64, fits: Bool)? {
        var value: UInt64 = 0
        var fits = true
        var digits = 0
        while let byte = current, byte >= 0x30, byte <= 0x39 {
            let (scaled, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = scaled.addingReportingOverflow(UInt64(byte - 0x30))
            if overflow1 || overflow2 { fits = false } else { value = sum }
            digits += 1
            index += 1
        }
        return digits > 0 ? (value, fits) : nil
    }
}
