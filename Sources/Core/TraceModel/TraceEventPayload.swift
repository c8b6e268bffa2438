import Causality

/// The typed `data` of one event kind: the one encoder its writers use and the one decoder its readers use, so a
/// field renamed at the writer breaks its readers' build instead of their verdicts.
///
/// On disk the field names and value spellings are those of `docs/trace-format.md` (a versioned contract). An event
/// read from a file is untrusted: the decoder checks every field's type and bounds and throws `PayloadError` rather
/// than guess. Fields that older files or other writers may leave out are optionals.
public protocol TraceEventPayload: Sendable, Equatable {
    /// The kind of the events that carry this payload.
    static var kind: EventKind { get }
    /// The event's `data` object.
    func encoded() -> [String: TraceValue]
    /// Reads the payload from an event's `data`.
    init(decoding fields: PayloadFields) throws(PayloadError)
    /// The fields as the recorder keeps them: the dictionary of `encoded()`, or (for a `TraceFieldsPayload`) the
    /// payload itself, which the writer encodes without building the dictionary.
    var recordedFields: TraceEventFields { get }
}

extension TraceEventPayload {
    /// The dictionary of `encoded()`.
    public var recordedFields: TraceEventFields { TraceEventFields(encoded()) }

    /// Reads the payload from `data` (of an event of kind `Self.kind`).
    public init(data: [String: TraceValue]) throws(PayloadError) {
        try self.init(decoding: PayloadFields(data, kind: Self.kind))
    }
}

extension TraceEvent {
    /// This event's payload when it is of `P`'s kind and its `data` decodes; nil otherwise (another kind, or a
    /// malformed event, which readers skip like an unknown kind).
    @inlinable
    public func payload<P: TraceEventPayload>(_ type: P.Type) -> P? {
        guard kind == P.kind else { return nil }
        return try? P(decoding: PayloadFields(data, kind: kind))
    }

    /// This event's payload; throws when the event is of another kind or its `data` does not decode.
    public func decodePayload<P: TraceEventPayload>(_ type: P.Type) throws(PayloadError) -> P {
        guard kind == P.kind else { throw PayloadError(kind: kind, field: "kind", problem: .wrongKind(P.kind)) }
        return try P(decoding: PayloadFields(data, kind: kind))
    }

    /// An event carrying `payload` (its kind and `data`, kept as `recordedFields`); the envelope as given.
    public init<P: TraceEventPayload>(
        wallTimeNanos: Int64, node: String, pid: Int32, sequence: UInt64, payload: P, traceID: String? = nil,
        spanID: String? = nil, parentSpanID: String? = nil, clock: VectorClock
    ) {
        self.init(
            wallTimeNanos: wallTimeNanos, node: node, pid: pid, sequence: sequence, kind: P.kind, traceID: traceID,
            spanID: spanID, parentSpanID: parentSpanID, clock: clock, fields: payload.recordedFields)
    }
}

/// Why an event's `data` did not decode into its payload.
public struct PayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// A required field is absent (or `null`).
        case missing
        /// The field holds another JSON type than the payload's (`expected` names it).
        case wrongType(expected: String)
        /// The field's value is outside the payload's bounds.
        case outOfRange
        /// The event is of another kind than the payload's.
        case wrongKind(EventKind)
    }

    /// The kind of the event being decoded.
    public let kind: EventKind
    /// The `data` field at fault.
    public let field: String
    public let problem: Problem

    public init(kind: EventKind, field: String, problem: Problem) {
        self.kind = kind
        self.field = field
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missing: return "\(kind): data.\(field) is missing"
        case .wrongType(let expected): return "\(kind): data.\(field) is not \(expected)"
        case .outOfRange: return "\(kind): data.\(field) is out of range"
        case .wrongKind(let expected): return "a \(kind) event is not a \(expected) event"
        }
    }
}
