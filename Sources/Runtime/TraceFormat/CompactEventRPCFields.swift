/// Where a string without escapes sits in its line: the offset and count of its bytes (which are its UTF-8 text when
/// they are valid UTF-8: `String(decoding:as:)` of them is the decoded string). The compact decode records ids this
/// way instead of building their strings.
public struct LineSpan: Sendable, Equatable {
    public var start: UInt32
    public var count: UInt32

    public init(start: UInt32, count: UInt32) { (self.start, self.count) = (start, count) }

    /// The span of `part`, a slice of `line`; nil when an offset does not fit 32 bits.
    init?(_ part: UnsafeBufferPointer<UInt8>, in line: UnsafeBufferPointer<UInt8>) {
        guard let base = line.baseAddress, let start = part.baseAddress else {
            self.init(start: 0, count: 0)
            return
        }
        guard let offset = UInt32(exactly: start - base), let count = UInt32(exactly: part.count) else { return nil }
        self.init(start: offset, count: count)
    }
}

/// What the analyzer's checks read of an RPC event's `data` in compact form (`CompactEvent.fields`): the message id,
/// the peer and the integers, and of `method`, `status` and `error` only the UTF-8 lengths of the strings they decode
/// to (the RPC payloads bound them) and whether the status is `unavailable`: no string is built for those three.
///
/// The message id and the peer are where the line holds them (`msgAt`, `peerAt`) when the writer's layout was read
/// (`templateEvent`: strings without escapes), else decoded (`msg`, `peer`).
public struct CompactRPCFields: Sendable {
    public var msg: String?
    public var peer: String?
    /// Where the line holds the message id's bytes (then `msg` is nil).
    public var msgAt: LineSpan?
    /// Where the line holds the peer's bytes (then `peer` is nil).
    public var peerAt: LineSpan?
    public var httpStatus: Int64?
    public var durationNanos: Int64?
    /// The UTF-8 length of the decoded `msg`; 0 when absent.
    public var msgLength = 0
    /// The UTF-8 length of the decoded `peer`; 0 when absent.
    public var peerLength = 0
    /// The UTF-8 length of the decoded `method`; 0 when absent (the bounds treat absent and empty alike).
    public var methodLength = 0
    /// The UTF-8 length of the decoded `status`; 0 when absent.
    public var statusLength = 0
    /// The UTF-8 length of the decoded `error`; 0 when absent.
    public var errorLength = 0
    /// True when `status` is `unavailable`.
    public var statusIsUnavailable = false

    public init() {}

    /// The compact form of fully decoded RPC fields.
    public init(_ fields: RPCDataFields) {
        (msg, peer, httpStatus, durationNanos) = (fields.msg, fields.peer, fields.httpStatus, fields.durationNanos)
        msgLength = fields.msg?.utf8.count ?? 0
        peerLength = fields.peer?.utf8.count ?? 0
        methodLength = fields.method?.utf8.count ?? 0
        statusLength = fields.status?.utf8.count ?? 0
        errorLength = fields.error?.utf8.count ?? 0
        statusIsUnavailable = fields.status == "unavailable"
    }

    /// True when the event has a message id (in the line or decoded).
    public var hasMsg: Bool { msgAt != nil || msg != nil }
    /// True when the event has a peer (in the line or decoded).
    public var hasPeer: Bool { peerAt != nil || peer != nil }

    /// The UTF-8 length of the string that a string's bytes without escapes decode to: `String(decoding:as:)`
    /// replaces each invalid sequence by U+FFFD, which may make it longer than the bytes.
    static func decodedLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        return high < 0x80 ? bytes.count : String(decoding: bytes, as: UTF8.self).utf8.count
    }
}
