import Causality
import Glibc

/// Decodes one trace line into a `TraceEvent` without `JSONDecoder`.
///
/// Reads the v1 envelope (any key order, any whitespace, every JSON escape) and `data` values of any JSON
/// type. It gives up (returns nil) on anything it is not sure about, and the caller then falls back to the
/// reference `TraceEventDecoder`, which also produces the error message for a malformed line.
/// So the fast path never accepts a line that the reference decoder would reject, except for duplicate keys.
///
/// Consecutive events of one file mostly share their clock's keys, and only a few counters change: the decoder
/// keeps the previous clock and updates a copy of it, instead of building a dictionary per line.
public struct FastEventDecoder {
    /// The scanner of the current line, kept from line to line with the file's clock cache and string table: a
    /// scanner made and destroyed per line cost a few hundred instructions of releases.
    private var scanner = JSONScanner(UnsafeBufferPointer(start: nil, count: 0), strings: StringTable())
    /// With `keepsRPCDataRaw`, the `data` of an RPC event whose fields are all plain strings and integers is not
    /// decoded into the event (its `data` is empty): `lastRPCData` holds its fields and its bytes instead.
    public var keepsRPCDataRaw = false
    /// The `data` of the last decoded line, when `keepsRPCDataRaw` kept it raw; nil otherwise.
    public private(set) var lastRPCData: RPCDataFields?
    /// The node numbering of dense clocks (`decodingDenseClocks(nodes:)`), nil when clocks are decoded whole.
    private var denseNodes: DenseNodes?
    /// The clock of the last decoded line by node number, when decoding dense clocks; nil otherwise.
    public private(set) var lastDenseClock: DenseClock?

    public init() {}

    /// Decode every clock into an array by the node numbers `nodes` (node name → number, numbers `0..<count`)
    /// instead of a `VectorClock`: the decoded event's `clock` is then empty, and `lastDenseClock` holds the clock;
    /// when it names a node outside `nodes`, the event's `clock` holds the whole clock too.
    public mutating func decodingDenseClocks(nodes: [String: Int], count: Int) {
        denseNodes = DenseNodes(positions: nodes, count: count)
        scanner.denseNodes = denseNodes
    }

    /// The node numbering of dense clocks, nil when clocks are decoded whole.
    var denseNumbering: DenseNodes? { denseNodes }

    /// Runs `body` on this decoder's scanner, started on `line` (it holds the file's clock cache and string table,
    /// and the dense numbering).
    mutating func scanning<T>(_ line: UnsafeBufferPointer<UInt8>, _ body: (inout JSONScanner) -> T) -> T {
        scanner.start(line)
        return body(&scanner)
    }

    /// A decoder that keeps the `data` of plain RPC events raw (`keepsRPCDataRaw`).
    public init(keepingRPCDataRaw: Bool) { keepsRPCDataRaw = keepingRPCDataRaw }

    /// The event in `line` (without its newline), or nil when the fast path cannot decide.
    public mutating func decode(_ line: UnsafeBufferPointer<UInt8>) -> TraceEvent? {
        let keepsRaw = keepsRPCDataRaw
        let (event, rpcData, denseClock) = scanning(line) { scanner in
            scanner.keepsRPCDataRaw = keepsRaw
            let event = scanner.event()
            return (event, scanner.rpcData, scanner.denseClock)
        }
        lastRPCData = event == nil ? nil : rpcData
        lastDenseClock = event == nil ? nil : denseClock
        return event
    }
}

/// The previous clock of a file, with its keys as bytes, for `FastEventDecoder`.
struct ClockCache {
    var keys: [[UInt8]] = []
    var names: [String] = []
    var values: [UInt64] = []
    var clock = VectorClock()
    /// The counters a line changed (position, counter): scratch space, reused from line to line.
    var changed: [(Int, UInt64)] = []
    /// In dense mode: each key's node number (-1: outside the numbering), whether any is outside, and the counters
    /// a line read (scratch space, reused from line to line).
    var positions: [Int] = []
    var external = false
    var scratch: [UInt64] = []
    /// The counters of the last dense clock by node number (`JSONScanner.tightDenseClock` reuses the array).
    var denseValues: [UInt64] = []
    /// The bytes each key is written with, one after the other (`{"first":`, then `,"next":` for each other key),
    /// followed by 8 zero bytes (so that 8 bytes can be loaded at any start), and where each ends
    /// (`JSONScanner.tightDenseClock`). Empty when a key needs an escape (the clock is then read the general way).
    var flatKeys: [UInt8] = []
    var keyEnds: [Int] = []

    /// Builds `flatKeys` and `keyEnds` from `keys`.
    mutating func buildKeyPatterns() {
        flatKeys.removeAll(keepingCapacity: true)
        keyEnds.removeAll(keepingCapacity: true)
        for key in keys {
            // A key written with an escape is not its bytes between quotes.
            guard !key.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else {
                flatKeys.removeAll()
                keyEnds.removeAll()
                return
            }
            flatKeys.append(keyEnds.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            flatKeys.append(UInt8(ascii: "\""))
            flatKeys.append(contentsOf: key)
            flatKeys.append(UInt8(ascii: "\""))
            flatKeys.append(UInt8(ascii: ":"))
            keyEnds.append(flatKeys.count)
        }
        flatKeys.append(contentsOf: repeatElement(0, count: 8))
    }
}

/// A cursor over the bytes of one JSON line.
struct JSONScanner {
    private(set) var bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var cache: ClockCache
    var strings: StringTable
    /// Keep the `data` of a plain RPC event raw (`FastEventDecoder.keepsRPCDataRaw`); `rpcData` is what was kept.
    var keepsRPCDataRaw = false
    var rpcData: RPCDataFields?
    /// Decode the clock by node number (`FastEventDecoder.decodingDenseClocks`); `denseClock` is what was decoded.
    var denseNodes: DenseNodes?
    var denseClock: DenseClock?
    /// False: `rpcDataFields()` leaves the fields' `raw` empty (the compact RPC decode does not keep it).
    var copiesRPCDataRaw = true

    init(
        _ bytes: UnsafeBufferPointer<UInt8>, cache: ClockCache = ClockCache(),
        strings: StringTable = StringTable(empty: ())
    ) {
        self.bytes = bytes
        self.cache = cache
        self.strings = strings
    }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    /// Starts reading `line` from its first byte, with what was read of the previous line cleared and the default
    /// settings of a new scanner (the clock cache, the string table and the dense numbering stay).
    mutating func start(_ line: UnsafeBufferPointer<UInt8>) {
        bytes = line
        index = 0
        rpcData = nil
        denseClock = nil
        keepsRPCDataRaw = false
        copiesRPCDataRaw = true
    }

    mutating func event() -> TraceEvent? {
        var version: Int?
        var ts: Int64?
        var node: String?
        var pid: Int32?
        var seq: UInt64?
        var kind: String?
        var kindIsRPC = false
        var trace: String?
        var span: String?
        var parent: String?
        var clock: VectorClock?
        var data: [String: TraceValue] = [:]
        guard consume(UInt8(ascii: "{")) else { return nil }
        if !consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = envelopeKey(), consume(UInt8(ascii: ":")) else { return nil }
                switch key {
                case .version:
                    guard let value = fastInteger(), let small = Int(exactly: value) else { return nil }
                    version = small
                case .ts:
                    guard let value = fastInteger(), let small = Int64(exactly: value) else { return nil }
                    ts = small
                case .node:
                    guard let value = string() else { return nil }
                    node = value
                case .pid:
                    guard let value = fastInteger(), let small = Int32(exactly: value) else { return nil }
                    pid = small
                case .seq:
                    guard let value = fastInteger(), let small = UInt64(exactly: value) else { return nil }
                    seq = small
                case .kind:
                    guard let value = kindValue() else { return nil }
                    kind = value.kind
                    kindIsRPC = value.isRPC
                case .trace:
                    guard let value = optionalString() else { return nil }
                    trace = value
                case .span:
                    guard let value = optionalString() else { return nil }
                    span = value
                case .parent:
                    guard let value = optionalString() else { return nil }
                    parent = value
                case .clock:
                    guard let value = vectorClock() else { return nil }
                    clock = value
                case .data:
                    if keepsRPCDataRaw, kindIsRPC, let fields = rpcDataFields() {
                        rpcData = fields
                        data = [:]
                        break
                    }
                    rpcData = nil
                    guard case .object(let value)? = value() else { return nil }
                    data = value
                case .other: guard value() != nil else { return nil }
                }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return nil }
        }
        skipSpace()
        guard index == bytes.count, let version, let ts, let node, let pid, let seq, let kind, let clock else {
            return nil
        }
        return TraceEvent(
            version: version, wallTimeNanos: ts, node: node, pid: pid, sequence: seq, kind: EventKind(kind),
            traceID: trace ?? nil, spanID: span ?? nil, parentSpanID: parent ?? nil, clock: clock, data: data)
    }

    mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func peek() -> UInt8? {
        skipSpace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// `null` gives `.some(nil)`; a string gives its value; anything else nil.
    private mutating func optionalString() -> String?? {
        if peek() == UInt8(ascii: "n") { return literal("null") ? .some(nil) : nil }
        return string().map { .some($0) }
    }

    @inline(__always)
    mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count, let base = bytes.baseAddress,
            memcmp(base + index, word.utf8Start, count) == 0
        else { return false }
        index += count
        return true
    }

    mutating func string() -> String? {
        guard consume(Self.quote) else { return nil }
        let start = index
        index = plainStringStop(from: start)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Self.quote {
                let text = strings.string(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                index += 1
                return text
            }
            if byte == Self.backslash { return escapedString(from: start) }
            if byte < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    private mutating func escapedString(from start: Int) -> String? {
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == Self.quote { return String(validating: buffer, as: UTF8.self) }
            if byte < 0x20 { return nil }
            guard byte == Self.backslash else {
                buffer.append(byte)
                continue
            }
            guard index < bytes.count else { return nil }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(scalar) {
                    guard literal("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
            default: return nil
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            switch byte {
            case 0x30...0x39: value = value << 4 | UInt32(byte - 0x30)
            case 0x61...0x66: value = value << 4 | UInt32(byte - 0x57)
            case 0x41...0x46: value = value << 4 | UInt32(byte - 0x37)
            default: return nil
            }
        }
        return value
    }

    /// `integer()` for the common case, read in one tight loop: up to 19 digits right at the cursor, followed by
    /// `,` or `}`; anything else is read by `integer()` (so the result is always `integer()`'s).
    mutating func fastInteger() -> Int128? {
        let run = digitRun(from: index)
        // A 20th digit is not `,` or `}`, so `integer()` reads it.
        guard run.digits > 0, run.end < bytes.count,
            bytes[run.end] == UInt8(ascii: ",") || bytes[run.end] == UInt8(ascii: "}")
        else { return integer() }
        index = run.end
        return Int128(run.value)
    }

    /// Up to 19 decimal digits from `start` (so many fit a UInt64 without overflow): their value, how many there
    /// are, and where they end.
    @inline(__always)
    private func digitRun(from start: Int) -> (value: UInt64, digits: Int, end: Int) {
        guard start < bytes.count, let base = bytes.baseAddress else { return (0, 0, start) }
        let run = DecimalDigits.run(base, from: start, end: bytes.count)
        return (run.value, run.digits, start + run.digits)
    }

    /// A plain JSON integer (no fraction, no exponent), as a wide signed value.
    mutating func integer() -> Int128? {
        skipSpace()
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        // The first 19 digits as a UInt64; longer numbers continue in Int128.
        let run = digitRun(from: index)
        var digits = run.digits
        index = run.end
        var value = Int128(run.value)
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            value = value * 10 + Int128(bytes[index] - 0x30)
            digits += 1
            index += 1
            if digits > 30 { return nil }
        }
        guard digits > 0 else { return nil }
        if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
            return nil
        }
        return negative ? -value : value
    }

    /// True for the bytes `number()` reads as part of a number.
    private static func continuesNumber(_ byte: UInt8) -> Bool {
        byte >= 0x30 && byte <= 0x39 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+")
    }

    /// The clock, built from the cached previous clock when the keys are the same and no counter went down.
    mutating func vectorClock() -> VectorClock? {
        let start = index
        if let denseNodes {
            if let clock = cachedDenseClock(denseNodes) { return clock }
        } else if let clock = cachedClock() {
            return clock
        }
        index = start
        guard let clock = fullVectorClock() else { return nil }
        let changed = cache.changed
        let scratch = cache.scratch
        cache = ClockCache()
        cache.changed = changed
        cache.scratch = scratch
        for node in clock.sortedNodes {
            cache.keys.append(Array(node.utf8))
            cache.names.append(node)
            cache.values.append(clock[node])
        }
        cache.buildKeyPatterns()
        cache.clock = clock
        if let denseNodes { return denseFromFullClock(clock, denseNodes) }
        return clock
    }

    private mutating func cachedClock() -> VectorClock? {
        guard !cache.keys.isEmpty, consume(UInt8(ascii: "{")) else { return nil }
        var position = 0
        var changed = cache.changed
        cache.changed = []
        changed.removeAll(keepingCapacity: true)
        defer { cache.changed = changed }
        repeat {
            guard position < cache.keys.count, consume(Self.quote) else { return nil }
            let key = cache.keys[position]
            guard index + key.count < bytes.count, bytes[index + key.count] == Self.quote else { return nil }
            for offset in 0..<key.count where bytes[index + offset] != key[offset] { return nil }
            index += key.count + 1
            guard consume(UInt8(ascii: ":")), let value = integer(), let counter = UInt64(exactly: value),
                counter >= cache.values[position], counter > 0
            else { return nil }
            if counter != cache.values[position] { changed.append((position, counter)) }
            position += 1
        } while consume(UInt8(ascii: ","))
        guard position == cache.keys.count, consume(UInt8(ascii: "}")) else { return nil }
        var clock = cache.clock
        if changed.count == 1 && changed[0].1 == cache.values[changed[0].0] + 1 {
            clock.tick(cache.names[changed[0].0])
        } else if !changed.isEmpty {
            var delta: [String: UInt64] = [:]
            for (position, counter) in changed { delta[cache.names[position]] = counter }
            clock.merge(VectorClock(delta))
        }
        for (position, counter) in changed { cache.values[position] = counter }
        cache.clock = clock
        return clock
    }

    private mutating func fullVectorClock() -> VectorClock? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var entries: [String: UInt64] = [:]
        if consume(UInt8(ascii: "}")) { return VectorClock(entries) }
        repeat {
            guard let key = string(), consume(UInt8(ascii: ":")), let value = integer(),
                let counter = UInt64(exactly: value)
            else { return nil }
            entries[key] = counter
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { return nil }
        return VectorClock(entries)
    }

    /// Any JSON value as a `TraceValue` (nil when it is not valid JSON).
    mutating func value() -> TraceValue? {
        guard let first = peek() else { return nil }
        switch first {
        case Self.quote: return string().map(TraceValue.string)
        case UInt8(ascii: "{"):
            index += 1
            if consume(UInt8(ascii: "}")) { return .object([:]) }
            var object = [String: TraceValue](minimumCapacity: 8)
            repeat {
                guard let key = string(), consume(UInt8(ascii: ":")), let item = value() else { return nil }
                object[key] = item
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}")) ? .object(object) : nil
        case UInt8(ascii: "["):
            index += 1
            var items: [TraceValue] = []
            if consume(UInt8(ascii: "]")) { return .array(items) }
            repeat {
                guard let item = value() else { return nil }
                items.append(item)
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]")) ? .array(items) : nil
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default: return number()
        }
    }

    private mutating func number() -> TraceValue? {
        let start = index
        // Plain digits that fit an Int64, ended by anything that cannot continue a number: read without a String
        // (the result is `Int64(text)`'s).
        let run = digitRun(from: start)
        if run.digits > 0, run.digits < 19, run.end < bytes.count, !Self.continuesNumber(bytes[run.end]) {
            index = run.end
            return .int(Int64(run.value))
        }
        var isInteger = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 || byte == UInt8(ascii: "-") {
                index += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                || byte == UInt8(ascii: "+")
            {
                isInteger = false
                index += 1
            } else {
                break
            }
        }
        guard index > start else { return nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        // Leave big integers and anything odd to the reference decoder.
        guard !isInteger, let value = Double(text), value.isFinite else { return nil }
        if value.rounded() == value, abs(value) < 9e15 { return .int(Int64(value)) }
        return .double(value)
    }
}
