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
        var parser = FlatObjectParser(bytes: Array(text.utf8)[...])
        var entries: [String: UInt64] = [:]
        var count = 0
        let outcome = parser.parse { key, value in
            count += 1
            guard count <= limits.maxEntries else { return .tooManyEntries(limit: limits.maxEntries) }
            guard WireClockLimits.isWellFormedNodeID(key) else { return .badNodeID }
            guard entries[key] == nil else { return .duplicateNode(key) }
            if let known = limits.knownNodes, !known.contains(key) { return .unknownNode(key) }
            guard let value, value <= limits.maxCounter else {
                return .counterOutOfRange(node: key, limit: limits.maxCounter)
            }
            entries[key] = value
            return nil
        }
        if let outcome { return .failure(outcome) }
        return .success(VectorClock(entries))
    }
}

/// A byte-level reader of `{"key":digits,…}`; whitespace allowed between tokens.
struct FlatObjectParser {
    var bytes: ArraySlice<UInt8>

    private mutating func skipSpace() {
        while let byte = bytes.first, byte == 0x20 || byte == 0x09 { bytes.removeFirst() }
    }

    private mutating func expect(_ byte: UInt8) -> Bool {
        skipSpace()
        guard bytes.first == byte else { return false }
        bytes.removeFirst()
        return true
    }

    /// Calls `entry` for each key and counter (nil when the counter does not fit in 64 bits); stops at the
    /// first rejection `entry` returns. Returns that rejection, `.malformed`, or nil when the text is valid.
    mutating func parse(_ entry: (String, UInt64?) -> WireClockRejection?) -> WireClockRejection? {
        guard expect(UInt8(ascii: "{")) else { return .malformed }
        skipSpace()
        if bytes.first == UInt8(ascii: "}") {
            bytes.removeFirst()
        } else {
            while true {
                guard let key = readKey(), expect(UInt8(ascii: ":")) else { return .malformed }
                skipSpace()
                guard let value = readCounter() else { return .malformed }
                if let rejection = entry(key, value.fits ? value.value : nil) { return rejection }
                skipSpace()
                if bytes.first == UInt8(ascii: ",") {
                    bytes.removeFirst()
                    continue
                }
                guard expect(UInt8(ascii: "}")) else { return .malformed }
                break
            }
        }
        skipSpace()
        return bytes.isEmpty ? nil : .malformed
    }

    /// A quoted key; escapes other than `\"`, `\\` and `\/` are refused.
    private mutating func readKey() -> String? {
        guard expect(UInt8(ascii: "\"")) else { return nil }
        var key: [UInt8] = []
        while let byte = bytes.first, byte != UInt8(ascii: "\"") {
            bytes.removeFirst()
            if byte == UInt8(ascii: "\\") {
                guard let escaped = bytes.first, escaped == 0x22 || escaped == 0x5C || escaped == 0x2F else {
                    return nil
                }
                bytes.removeFirst()
                key.append(escaped)
            } else {
                // JSON has no raw control characters in strings; `description` would print them escaped, in a
                // form this parser does not read, so such a clock could not travel on (found by FuzzVectorClock).
                guard byte >= 0x20 else { return nil }
                key.append(byte)
            }
        }
        guard expect(UInt8(ascii: "\"")) else { return nil }
        return String(decoding: key, as: UTF8.self)
    }

    /// Decimal digits with checked arithmetic: an overflow is reported, never trapped on.
    private mutating func readCounter() -> (value: UInt64, fits: Bool)? {
        var value: UInt64 = 0
        var fits = true
        var digits = 0
        while let byte = bytes.first, byte >= 0x30, byte <= 0x39 {
            let (scaled, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = scaled.addingReportingOverflow(UInt64(byte - 0x30))
            if overflow1 || overflow2 { fits = false } else { value = sum }
            digits += 1
            bytes.removeFirst()
        }
        return digits > 0 ? (value, fits) : nil
    }
}
