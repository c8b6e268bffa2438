/// Payloads of the span and log events (`docs/trace-format.md` §4.1, §4.5) and of `test.tick`.

extension EventKind {
    /// A test event of `bookstore debug emit-events` (`data`: i).
    public static let testTick = EventKind("test.tick")
}

/// A span begins (`span.start`).
public struct SpanStart: TraceEventPayload {
    public static let kind = EventKind.spanStart
    public var name: String

    public init(name: String) { self.name = name }

    public func encoded() -> [String: TraceValue] { ["name": .string(name)] }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        name = try fields.required("name") { key throws(PayloadError) in try fields.string(key) }
    }
}

/// A span ends (`span.end`): `status` is `ok` or `error`, with `error` saying why.
public struct SpanEnd: TraceEventPayload {
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

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["name": .string(name)]
        data.put("status", status)
        data.put("error", error)
        data.put("duration_ns", durationNanos)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            name: try fields.required("name") { key throws(PayloadError) in try fields.string(key) },
            status: try fields.string("status", maxBytes: 256), error: try fields.string("error"),
            durationNanos: try fields.integer("duration_ns", Int64.self, in: 0...Int64.max))
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
public struct TestTick: TraceEventPayload {
    public static let kind = EventKind.testTick
    public var index: Int64

    public init(index: Int64) { self.index = index }

    public func encoded() -> [String: TraceValue] { ["i": .int(index)] }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        index = try fields.required("i") { key throws(PayloadError) in try fields.integer(key, Int64.self) }
    }
}
