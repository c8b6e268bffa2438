/// Payloads of the span and log events (`docs/trace-format.md` §4.1, §4.5) and of `test.tick`.

extension EventKind {
    /// A test event of `bookstore debug emit-events` (`data`: i).
    public static let testTick = EventKind("test.tick")
}

/// A span begins (`span.start`).
public struct SpanStart: TraceFieldsPayload {
    public static let kind = EventKind.spanStart
    public var name: String

    public init(name: String) { self.name = name }

    public func writeFields<Sink: TraceFieldSink>(to sink: inout Sink) { sink.put(SpanFieldName.name, name) }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        name = try fields.required(SpanFieldName.name.text) { key throws(PayloadError) in try fields.string(key) }
    }
}

/// The names of the span events' `data` fields (`docs/trace-format.md` §4.1), for their writers and readers.
enum SpanFieldName {
    static let durationNanos: StaticString = "duration_ns"
    static let error: StaticString = "error"
    static let name: StaticString = "name"
    static let status: StaticString = "status"
}

/// A span ends (`span.end`): `status` is `ok` or `error`, with `error` saying why.
public struct SpanEnd: TraceFieldsPayload {
    public static let kind = EventKind.spanEnd
    public var name: String
    public var status: String?
    public var error: String?
    public var durationNanos: Int64?

    public init(name: String, status: String?, error: String? = nil, durationNanos: Int64?) {
        self.name = name
        self.status = status
        self.error = error
        self.durationNanos = durationNanos
    }

    /// In ascending order of the names (the order on disk).
    public func writeFields<Sink: TraceFieldSink>(to sink: inout Sink) {
        sink.put(SpanFieldName.durationNanos, durationNanos)
        sink.put(SpanFieldName.error, error)
        sink.put(SpanFieldName.name, name)
        sink.put(SpanFieldName.status, status)
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            name: try fields.required(SpanFieldName.name.text) { key throws(PayloadError) in try fields.string(key) },
            status: try fields.string(SpanFieldName.status.text, maxBytes: 256),
            error: try fields.string(SpanFieldName.error.text),
            durationNanos: try fields.integer(SpanFieldName.durationNanos.text, Int64.self, in: 0...Int64.max))
    }
}

/// A log record (`log`): `attributes` holds its metadata as strings, never `trace_id` or `span_id`.
public struct LogRecord: TraceEventPayload {
    public static let kind = EventKind.log
    /// `trace` … `critical`.
    public var level: String?
    public var message: String
    /// The logger's label.
    public var logger: String?
    public var attributes: [String: String]?

    public init(level: String?, message: String, logger: String?, attributes: [String: String]?) {
        self.level = level
        self.message = message
        self.logger = logger
        self.attributes = attributes
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["message": .string(message)]
        data.put("level", level)
        data.put("logger", logger)
        data.put("attributes", attributes)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            level: try fields.string("level", maxBytes: 64),
            message: try fields.required("message") { key throws(PayloadError) in try fields.string(key) },
            logger: try fields.string("logger"), attributes: try fields.stringObject("attributes"))
    }
}

/// A numbered test event (`test.tick`).
public struct TestTick: TraceFieldsPayload {
    public static let kind = EventKind.testTick
    public var index: Int64
    static let indexName: StaticString = "i"

    public init(index: Int64) { self.index = index }

    public func writeFields<Sink: TraceFieldSink>(to sink: inout Sink) { sink.put(Self.indexName, index) }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        index = try fields.required(Self.indexName.text) { key throws(PayloadError) in
            try fields.integer(key, Int64.self)
        }
    }
}
