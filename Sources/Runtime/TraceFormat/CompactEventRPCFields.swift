/// What the analyzer's checks read of an RPC event's `data` in compact form (`CompactEvent.fields`): the message id,
/// the peer and the integers, and of `method`, `status` and `error` only the UTF-8 lengths of the strings they decode
/// to (the RPC payloads bound them) and whether the status is `unavailable`: no string is built for those three.
public struct CompactRPCFields: Sendable {
    public var msg: String?
    public var peer: String?
    public var httpStatus: Int64?
    public var durationNanos: Int64?
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
        methodLength = fields.method?.utf8.count ?? 0
        statusLength = fields.status?.utf8.count ?? 0
        errorLength = fields.error?.utf8.count ?? 0
        statusIsUnavailable = fields.status == "unavailable"
    }

    /// The UTF-8 length of the string that a string's bytes without escapes decode to: `String(decoding:as:)`
    /// replaces each invalid sequence by U+FFFD, which may make it longer than the bytes.
    static func decodedLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        return high < 0x80 ? bytes.count : String(decoding: bytes, as: UTF8.self).utf8.count
    }
}
