import Causality
import Glibc

/// An event decoded for the analyzer's checks without building a `TraceEvent`: the envelope's scalars, the kind,
/// where the line holds the span id, the clock by node number, and the `data`: an RPC event's (`rpc.send`,
/// `rpc.receive`, `rpc.reply.send`, `rpc.reply.receive`, `rpc.failure`) as what the checks read of its RPC fields
/// (`CompactRPCFields`), any other event's as its fields. The trace id, the parent span id and the node name are
/// validated but not kept (the node is the file's); a reader that needs the whole event decodes the line again
/// (`FastEventDecoder.decode(_:)` gives the same event).
///
/// `FastEventDecoder.decodeCompact(_:node:)` accepts only lines that `decode(_:)` would decode with the same
/// values, in a narrower form: each envelope key once and no other key, `data` after `kind`, strings without
/// escapes, version 1, recorded by the file's node; an event of another kind than RPC only in the writer's layout
/// (`templateEvent`). Every other line is left to the whole decode (it returns nil).
public struct CompactEvent: Sendable {
    /// The five RPC kinds, in this order (`kindNumber`).
    public static let kinds: [EventKind] = [.rpcSend, .rpcReceive, .rpcReplySend, .rpcReplyReceive, .rpcFailure]

    public var wallTimeNanos: Int64 = 0
    public var pid: Int32 = 0
    public var sequence: UInt64 = 0
    /// The kind's position in `kinds`, or -1 for a kind that is not RPC.
    public var kindNumber = 0
    /// The event's kind.
    public var kind = EventKind.rpcSend
    /// Where the line holds the span id's bytes (a string without escapes); nil when the event has none.
    public var span: LineSpan?
    /// What the checks read of an RPC event's `data` fields.
    public var fields = CompactRPCFields()
    /// The `data` fields of an event whose kind is not RPC, in line order, for `PayloadFields(list:kind:)` (empty for
    /// RPC events).
    public var dataFields: [(name: String, value: TraceValue)] = []
    /// The clock by node number.
    public var dense = DenseClock(values: [], external: false, sum: 0)
    /// The whole clock when it names a node outside the numbering (`dense.external`), else empty.
    public var clock = VectorClock()

    /// True for the five RPC kinds (then `fields` holds the `data`).
    public var isRPC: Bool { kindNumber >= 0 }
}

extension FastEventDecoder {
    /// The event in `line` (without its newline) in compact form when it is one that `decode(_:)` decodes, that
    /// `node` (the name's UTF-8 bytes) recorded, in trace format version 1, in the narrow form `CompactEvent`
    /// describes; nil for every other line (decode it with `decode(_:)`). Needs `decodingDenseClocks(nodes:count:)`.
    public mutating func decodeCompact(
        _ line: UnsafeBufferPointer<UInt8>, node: UnsafeBufferPointer<UInt8>
    ) -> CompactEvent? {
        var event = CompactEvent()
        return decodeCompact(line, node: node, into: &event) ? event : nil
    }

    /// `decodeCompact(_:node:)` into `event` (the reader reuses one): false, and `event` unspecified, when the line
    /// has no compact form.
    public mutating func decodeCompact(
        _ line: UnsafeBufferPointer<UInt8>, node: UnsafeBufferPointer<UInt8>, into event: inout CompactEvent
    ) -> Bool {
        guard let denseNodes = denseNumbering else { return false }
        return scanning(line) { scanner in
            scanner.denseNodes = denseNodes
            scanner.copiesRPCDataRaw = false
            return scanner.compactEvent(node: node, into: &event)
        }
    }
}

extension JSONScanner {
    /// Bits of the envelope keys seen (`EnvelopeKey`'s order).
    private static func bit(_ key: EnvelopeKey) -> UInt16 {
        switch key {
        case .version: 1
        case .ts: 2
        case .node: 4
        case .pid: 8
        case .seq: 16
        case .kind: 32
        case .trace: 64
        case .span: 128
        case .parent: 256
        case .clock: 512
        case .data: 1024
        case .other: 2048
        }
    }

    /// The keys a compact RPC line must have: v, ts, node, pid, seq, kind, vc and data.
    private static let required: UInt16 = 1 | 2 | 4 | 8 | 16 | 32 | 512 | 1024

    /// See `FastEventDecoder.decodeCompact(_:node:)`.
    mutating func compactEvent(node: UnsafeBufferPointer<UInt8>, into event: inout CompactEvent) -> Bool {
        if templateEvent(node: node, into: &event) { return true }
        index = 0
        denseClock = nil
        guard let general = compactRPC(node: node) else { return false }
        event = general
        return true
    }

    /// An RPC line in any layout `CompactEvent` allows.
    private mutating func compactRPC(node: UnsafeBufferPointer<UInt8>) -> CompactEvent? {
        var event = CompactEvent()
        var seen: UInt16 = 0
        guard consume(UInt8(ascii: "{")) else { return nil }
        repeat {
            guard let keyBytes = plainStringBytes(), consume(UInt8(ascii: ":")) else { return nil }
            let key = EnvelopeKey(keyBytes)
            let bit = Self.bit(key)
            guard seen & bit == 0 else { return nil }
            seen |= bit
            guard compactValue(key, into: &event, kindSeen: seen & 32 != 0, node: node) else { return nil }
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { return nil }
        skipSpace()
        guard index == bytes.count, seen & Self.required == Self.required, let dense = denseClock else { return nil }
        event.dense = dense
        return event
    }

    /// Reads the value of envelope key `key` into `event`; false when the line is not for the compact form.
    private mutating func compactValue(
        _ key: EnvelopeKey, into event: inout CompactEvent, kindSeen: Bool, node: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        switch key {
        case .version:
            return fastInteger() == 1
        case .ts:
            guard let value = fastInteger(), let small = Int64(exactly: value) else { return false }
            event.wallTimeNanos = small
        case .node:
            guard let value = plainStringBytes(), value.count == node.count else { return false }
            return value.count == 0 || memcmp(value.baseAddress!, node.baseAddress!, node.count) == 0
        case .pid:
            guard let value = fastInteger(), let small = Int32(exactly: value) else { return false }
            event.pid = small
        case .seq:
            guard let value = fastInteger(), let small = UInt64(exactly: value) else { return false }
            event.sequence = small
        case .kind:
            guard let value = plainStringBytes(), let number = Self.rpcKindNumber(value) else { return false }
            event.kindNumber = number
            event.kind = CompactEvent.kinds[number]
        case .trace, .parent:
            return skipPlainStringOrNull()
        case .span:
            if peek() == UInt8(ascii: "n") { return literal("null") }
            guard let value = plainStringBytes(), let at = LineSpan(value, in: bytes) else { return false }
            event.span = at
        case .clock:
            guard let clock = vectorClock() else { return false }
            event.clock = clock
        case .data:
            guard kindSeen, let fields = rpcDataFields() else { return false }
            event.fields = CompactRPCFields(fields)
        case .other:
            return false
        }
        return true
    }

    /// A string without escapes, or `null`, skipped.
    private mutating func skipPlainStringOrNull() -> Bool {
        if peek() == UInt8(ascii: "n") { return literal("null") }
        return plainStringBytes() != nil
    }

    /// The position of an RPC kind's bytes in `CompactEvent.kinds`, nil for other kinds.
    static func rpcKindNumber(_ kind: UnsafeBufferPointer<UInt8>) -> Int? {
        switch kind.count {
        case 8: return kind.matches("rpc.send") ? 0 : nil
        case 11: return kind.matches("rpc.receive") ? 1 : kind.matches("rpc.failure") ? 4 : nil
        case 14: return kind.matches("rpc.reply.send") ? 2 : nil
        case 17: return kind.matches("rpc.reply.receive") ? 3 : nil
        default: return nil
        }
    }
}
