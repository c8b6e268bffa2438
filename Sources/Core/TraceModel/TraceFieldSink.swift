/// Where a typed payload writes the fields of its event's `data`: a dictionary (`TraceFieldDictionary`, for readers
/// of `TraceEvent.data`) or the trace file's bytes (the writer's sink in `TraceEventEncoder`). A payload declares its
/// fields once, in `TraceFieldsPayload.writeFields(to:)`, and both sinks see the same names and values.
public protocol TraceFieldSink {
    /// A string field (present: absent fields are not written at all).
    mutating func field(_ name: StaticString, string value: String)
    /// An integer field.
    mutating func field(_ name: StaticString, integer value: Int64)
}

extension TraceFieldSink {
    /// Writes `value` under `name`, or nothing when it is nil.
    @inlinable
    public mutating func put(_ name: StaticString, _ value: String?) {
        if let value { field(name, string: value) }
    }

    /// Writes `value` under `name`, or nothing when it is nil. (The common integer types have overloads of their own:
    /// the generic one below is not specialized where payloads are written through an existential, and showed in
    /// the writer's profile.)
    @inlinable
    public mutating func put(_ name: StaticString, _ value: Int64?) {
        if let value { field(name, integer: value) }
    }

    /// Writes `value` under `name`, or nothing when it is nil.
    @inlinable
    public mutating func put(_ name: StaticString, _ value: Int?) {
        if let value { field(name, integer: Int64(value)) }
    }

    /// Writes `value` (saturating at the bounds of a signed 64-bit integer, as `[String: TraceValue].put` does)
    /// under `name`, or nothing when it is nil.
    @inlinable
    public mutating func put<T: BinaryInteger>(_ name: StaticString, _ value: T?) {
        if let value { field(name, integer: Int64(clamping: value)) }
    }
}

/// A payload whose `data` is written field by field, in ascending (byte) order of the field names, to a
/// `TraceFieldSink`: the recorder keeps the typed payload in the event (no string-keyed dictionary per event) and the
/// writer encodes it straight to the line's bytes, the same bytes as the dictionary that `encoded()` builds from the
/// same declaration (the file format does not change).
public protocol TraceFieldsPayload: TraceEventPayload {
    /// Writes every present field of `data` to `sink`, each once, in ascending byte order of their names (the order
    /// of the keys on disk).
    func writeFields<Sink: TraceFieldSink>(to sink: inout Sink)
}

extension TraceFieldsPayload {
    /// The event's `data` as a dictionary, built from `writeFields(to:)`.
    public func encoded() -> [String: TraceValue] {
        var sink = TraceFieldDictionary()
        writeFields(to: &sink)
        return sink.data
    }

    /// The payload itself: the writer encodes it without a dictionary.
    public var recordedFields: TraceEventFields { TraceEventFields(typed: self) }
}

/// The sink that builds `data` as a dictionary.
public struct TraceFieldDictionary: TraceFieldSink {
    public var data: [String: TraceValue] = [:]

    public init() {}

    public mutating func field(_ name: StaticString, string value: String) {
        data[name.description] = .string(value)
    }

    public mutating func field(_ name: StaticString, integer value: Int64) {
        data[name.description] = .int(value)
    }
}

/// An event's `data` as recorded: a dictionary, or a typed payload that the writer encodes directly (see
/// `TraceFieldsPayload`). Readers see the same `[String: TraceValue]` either way, through `TraceEvent.data`.
public struct TraceEventFields: Sendable {
    @usableFromInline
    enum Storage: Sendable {
        case dictionary([String: TraceValue])
        case typed(any TraceFieldsPayload)
    }

    @usableFromInline
    var storage: Storage

    /// Fields held as a dictionary.
    @inlinable
    public init(_ data: [String: TraceValue]) { storage = .dictionary(data) }

    /// Fields held as the typed payload.
    public init(typed payload: some TraceFieldsPayload) { storage = .typed(payload) }

    /// The fields as a dictionary (built from the payload when they are typed).
    public var dictionary: [String: TraceValue] {
        switch storage {
        case .dictionary(let data): data
        case .typed(let payload): payload.encoded()
        }
    }

    /// True when the fields are held as a typed payload (the writer encodes it directly).
    public var isTyped: Bool {
        if case .typed = storage { return true }
        return false
    }
}

extension StaticString {
    /// The name as a `String` (field names are short ASCII: a small string, no allocation).
    @usableFromInline
    var text: String { description }
}
