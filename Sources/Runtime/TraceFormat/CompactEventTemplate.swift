import Glibc

/// The compact decode's fast path (and its only path for kinds that are not RPC) for lines laid out as the trace
/// writer writes them: the envelope keys in its order (`v`, `ts`, `node`, `pid`, `seq`, `kind`, then `trace`,
/// `span`, `parent` when present, `vc`, `data`), no space, strings without escapes, plain integers of up to 19
/// digits. Each key is matched as a whole literal and each value read in one tight loop. Any other layout gives nil,
/// and `JSONScanner.compactEvent(node:)` reads an RPC line the general way (with the same result for every line this
/// takes).
extension JSONScanner {
    /// See `FastEventDecoder.decodeCompact(_:node:)`.
    mutating func templateEvent(node: UnsafeBufferPointer<UInt8>, into event: inout CompactEvent) -> Bool {
        // The fields are read into locals and the event built once at the end: filling a `CompactEvent` variable
        // cost a copy and a destruction of the whole struct per line.
        guard literal(#"{"v":1,"ts":"#), let ts = plainDigits(), let wallTime = Int64(exactly: ts),
            literal(#","node":""#), matchBytes(node), literal(#"","pid":"#), let pid = plainDigits(),
            let smallPid = Int32(exactly: pid), literal(#","seq":"#), let seq = plainDigits(),
            literal(#","kind":""#), let kindBytes = plainStringBody()
        else { return false }
        let kindNumber: Int
        let kind: EventKind
        if let number = Self.rpcKindNumber(kindBytes) {
            (kindNumber, kind) = (number, CompactEvent.kinds[number])
        } else {
            (kindNumber, kind) = (-1, EventKind(strings.string(kindBytes)))
        }
        if literal(#","trace":""#) { guard plainStringBody() != nil else { return false } }
        var span: LineSpan?
        if literal(#","span":""#) {
            // Where the line holds it: its string is built only when a reader asks (`RunEvent.spanID`).
            guard let bytes = plainStringBody(), let at = LineSpan(bytes, in: self.bytes) else { return false }
            span = at
        }
        if literal(#","parent":""#) { guard plainStringBody() != nil else { return false } }
        guard literal(#","vc":"#), let clock = vectorClock(), literal(#","data":"#) else { return false }
        var fields = CompactRPCFields()
        var dataFields: [(name: String, value: TraceValue)] = []
        if kindNumber >= 0 {
            let start = index
            if let template = templateRPCFields() {
                fields = template
            } else {
                index = start
                guard let general = rpcDataFields() else { return false }
                fields = CompactRPCFields(general)
            }
        } else {
            guard let list = fieldList() else { return false }
            dataFields = list
        }
        guard index + 1 == bytes.count, bytes[index] == UInt8(ascii: "}"), let dense = denseClock else { return false }
        index += 1
        event = CompactEvent(
            wallTimeNanos: wallTime, pid: smallPid, sequence: seq, kindNumber: kindNumber, kind: kind, span: span,
            fields: fields, dataFields: dataFields, dense: dense, clock: clock)
        return true
    }

    /// A `data` object's fields in line order: what `value()` reads as an object (the same values, a name given twice
    /// as often as given), without building the dictionary.
    private mutating func fieldList() -> [(name: String, value: TraceValue)]? {
        guard peek() == UInt8(ascii: "{") else { return nil }
        index += 1
        var list: [(name: String, value: TraceValue)] = []
        if consume(UInt8(ascii: "}")) { return list }
        list.reserveCapacity(10)
        repeat {
            guard let key = string(), consume(UInt8(ascii: ":")), let item = value() else { return nil }
            list.append((key, item))
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}")) ? list : nil
    }

    /// An RPC event's `data` as the writer writes it: its fields in name order, no space, strings without escapes,
    /// integers of up to 19 digits without sign; nil for anything else (`rpcDataFields()` reads it then, with the
    /// same result for what this takes).
    private mutating func templateRPCFields() -> CompactRPCFields? {
        var fields = CompactRPCFields()
        guard literal("{") else { return nil }
        if literal("}") { return fields }
        var next = 0
        repeat {
            if next <= 0, literal(#""duration_ns":"#) {
                guard let value = plainDigits(), let exact = Int64(exactly: value) else { return nil }
                (fields.durationNanos, next) = (exact, 1)
            } else if next <= 1, literal(#""error":""#) {
                guard let value = plainStringBody() else { return nil }
                (fields.errorLength, next) = (CompactRPCFields.decodedLength(value), 2)
            } else if next <= 2, literal(#""http_status":"#) {
                guard let value = plainDigits(), let exact = Int64(exactly: value) else { return nil }
                (fields.httpStatus, next) = (exact, 3)
            } else if next <= 3, literal(#""method":""#) {
                guard let value = plainStringBody() else { return nil }
                (fields.methodLength, next) = (CompactRPCFields.decodedLength(value), 4)
            } else if next <= 4, literal(#""msg":""#) {
                // The ids stay in the line (`LineSpan`): no string is built for them.
                guard let value = plainStringBody(), let at = LineSpan(value, in: bytes) else { return nil }
                (fields.msgAt, fields.msgLength, next) = (at, CompactRPCFields.decodedLength(value), 5)
            } else if next <= 5, literal(#""peer":""#) {
                guard let value = plainStringBody(), let at = LineSpan(value, in: bytes) else { return nil }
                (fields.peerAt, fields.peerLength, next) = (at, CompactRPCFields.decodedLength(value), 6)
            } else if next <= 6, literal(#""status":""#) {
                guard let value = plainStringBody() else { return nil }
                // No escape: the decoded status is `unavailable` exactly when its bytes are.
                fields.statusIsUnavailable = value.matches("unavailable")
                (fields.statusLength, next) = (CompactRPCFields.decodedLength(value), 7)
            } else {
                return nil
            }
        } while literal(",")
        return literal("}") ? fields : nil
    }

    /// 1 to 19 decimal digits at the cursor (no sign), not followed by another digit, `.`, `e` or `E`.
    private mutating func plainDigits() -> UInt64? {
        guard index < bytes.count, let base = bytes.baseAddress else { return nil }
        // Up to 19 digits fit a UInt64 without overflow: a 20th is refused with the fraction and the exponent.
        let (value, count) = DecimalDigits.run(base, from: index, end: bytes.count)
        let position = index &+ count
        guard count > 0, position < bytes.count else { return nil }
        let next = bytes[position]
        guard next &- 0x30 >= 10, next != UInt8(ascii: "."), next != UInt8(ascii: "e"), next != UInt8(ascii: "E")
        else { return nil }
        index = position
        return value
    }

    /// `expected`'s bytes at the cursor (then the cursor after them).
    private mutating func matchBytes(_ expected: UnsafeBufferPointer<UInt8>) -> Bool {
        guard index + expected.count <= bytes.count else { return false }
        if expected.count > 0, memcmp(bytes.baseAddress! + index, expected.baseAddress!, expected.count) != 0 {
            return false
        }
        index += expected.count
        return true
    }

    /// The bytes of a string whose opening quote is already read, up to its closing quote (the cursor then after
    /// it); nil at an escape, a control character or the end of the line.
    private mutating func plainStringBody() -> UnsafeBufferPointer<UInt8>? {
        var position = plainStringStop(from: index)
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = UnsafeBufferPointer(rebasing: bytes[index..<position])
                index = position + 1
                return text
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }
}
