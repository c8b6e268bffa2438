import Causality
import TraceFormat

/// The protocol metadata of one request, read and checked against an `AdmissionPolicy` before anything of it
/// reaches the node's clock or trace.
struct WireMetadata: Sendable {
    /// This server-side span: a child of an authenticated caller's valid `traceparent`, else a new trace.
    var trace: TraceContext
    /// True when the caller presented the cluster credential (or none is required).
    var authenticated: Bool
    /// The caller's clock, message id and node: only from authenticated callers.
    var clock: VectorClock?
    var messageID: String?
    var sender: String?
    /// When the caller stops waiting (monotonic nanoseconds).
    var deadlineNanos: UInt64?
    /// Set when a `traceparent` was present but invalid (ignored, as W3C Trace Context asks).
    var ignoredTraceparent = false

    /// The longest `x-message-id`.
    static let maxMessageIDBytes = 128
    /// The longest deadline a caller may give: one day.
    static let maxDeadlineMilliseconds: UInt64 = 86_400_000

    /// Reads the metadata headers through `header` (case-insensitive lookup). Every present header is checked
    /// against its size and value bounds whether or not the caller is authenticated, so hostile metadata always
    /// gets its error. Membership (clock entries and `x-sender` naming nodes of this cluster) is checked only
    /// for authenticated callers: an unauthenticated caller's clock, message id and sender are dropped anyway
    /// (a traced outside client such as a test or a browser tool keeps working, untraced by the cluster).
    static func read(
        header: (String) -> String?, policy: AdmissionPolicy, authenticated: Bool, now: UInt64
    ) -> Result<WireMetadata, MetadataRejection> {
        let values = WireHeaderValues(
            traceparent: header(WireHeader.traceparent), vectorClock: header(WireHeader.vectorClock),
            messageID: header(WireHeader.messageID), sender: header(WireHeader.sender),
            deadline: header(WireHeader.deadline))
        do throws(MetadataRejection) {
            return .success(try read(values, policy: policy, authenticated: authenticated, now: now))
        } catch {
            return .failure(error)
        }
    }

    /// `read(header:…)` on the values already found (the server's path: no lookup by name, no `Result` to box).
    static func read(
        _ values: WireHeaderValues, policy: AdmissionPolicy, authenticated: Bool, now: UInt64
    ) throws(MetadataRejection) -> WireMetadata {
        var ignoredTraceparent = false
        var parent: TraceContext?
        if let text = values.traceparent {
            parent = TraceContext(traceparent: text)
            ignoredTraceparent = parent == nil
        }
        var clock: VectorClock?
        if let text = values.vectorClock {
            var limits = policy.clockLimits
            if !authenticated { limits.knownNodes = nil }
            switch VectorClock.parse(wireText: text, limits: limits) {
            case .success(let parsed): clock = parsed
            case .failure(let rejection):
                throw MetadataRejection(reason: rejection.reason, message: "\(rejection)")
            }
        }
        let messageID = values.messageID
        if let messageID, !isWellFormedMessageID(messageID) {
            throw MetadataRejection(
                reason: "message_id", message: "x-message-id must be 1 to \(maxMessageIDBytes) of [A-Za-z0-9._:-]")
        }
        let sender = values.sender
        if let sender {
            guard WireClockLimits.isWellFormedNodeID(sender) else {
                throw MetadataRejection(reason: "sender", message: "x-sender is not a well-formed node id")
            }
            if authenticated, let known = policy.clockLimits.knownNodes, !known.contains(sender) {
                throw MetadataRejection(reason: "sender", message: "x-sender \(sender) is not a node of this cluster")
            }
        }
        var deadline: UInt64?
        if let text = values.deadline {
            guard let milliseconds = parseDeadline(text) else {
                throw MetadataRejection(reason: "deadline", message: "x-deadline-ms must be 1 to 10 decimal digits")
            }
            deadline = now &+ min(milliseconds, maxDeadlineMilliseconds) * 1_000_000
        }
        // An outsider's trace id is not adopted either: the orchestrator's order id is the trace id, and no
        // outside input may choose it (two checkouts under one id would look like one order handled twice).
        var metadata = WireMetadata(
            trace: (authenticated ? parent?.child() : nil) ?? TraceContext.newTrace(), authenticated: authenticated,
            deadlineNanos: deadline, ignoredTraceparent: ignoredTraceparent)
        if authenticated {
            metadata.clock = clock
            metadata.messageID = messageID
            metadata.sender = sender
        }
        return metadata
    }

    /// `[A-Za-z0-9._:-]{1,128}`.
    static func isWellFormedMessageID(_ text: String) -> Bool {
        var text = text
        // Over the contiguous bytes: `allSatisfy` on the UTF-8 view cost ~50 instructions a byte.
        return text.withUTF8 { bytes in
            guard !bytes.isEmpty, bytes.count <= maxMessageIDBytes else { return false }
            for byte in bytes {
                let valid =
                    (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x3A
                if !valid { return false }
            }
            return true
        }
    }

    /// 1 to 10 decimal digits (at most 9,999,999,999 ms; the caller clamps to a day).
    static func parseDeadline(_ text: String) -> UInt64? {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= 10, bytes.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return bytes.reduce(0) { $0 * 10 + UInt64($1 - 0x30) }
    }
}

/// The metadata header values of one request (nil: absent), as read from the wire.
struct WireHeaderValues {
    var traceparent: String?
    var vectorClock: String?
    var messageID: String?
    var sender: String?
    var deadline: String?
}

/// Metadata refused before it reached the node: a stable `reason` label (for the metric) and a message.
struct MetadataRejection: Error, Sendable {
    var reason: String
    var message: String
}
