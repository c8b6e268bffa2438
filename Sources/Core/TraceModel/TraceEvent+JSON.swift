import Causality
import Foundation

extension TraceEvent: Codable {
    enum CodingKeys: String, CodingKey {
        case version = "v"
        case wallTimeNanos = "ts"
        case node, pid
        case sequence = "seq"
        case kind
        case traceID = "trace"
        case spanID = "span"
        case parentSpanID = "parent"
        case clock = "vc"
        case data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        wallTimeNanos = try container.decode(Int64.self, forKey: .wallTimeNanos)
        node = try container.decode(String.self, forKey: .node)
        pid = try container.decode(Int32.self, forKey: .pid)
        sequence = try container.decode(UInt64.self, forKey: .sequence)
        kind = EventKind(try container.decode(String.self, forKey: .kind))
        traceID = try container.decodeIfPresent(String.self, forKey: .traceID)
        spanID = try container.decodeIfPresent(String.self, forKey: .spanID)
        parentSpanID = try container.decodeIfPresent(String.self, forKey: .parentSpanID)
        clock = try container.decode(VectorClock.self, forKey: .clock)
        fields = TraceEventFields(try container.decodeIfPresent([String: TraceValue].self, forKey: .data) ?? [:])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(wallTimeNanos, forKey: .wallTimeNanos)
        try container.encode(node, forKey: .node)
        try container.encode(pid, forKey: .pid)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(kind.rawValue, forKey: .kind)
        try container.encodeIfPresent(traceID, forKey: .traceID)
        try container.encodeIfPresent(spanID, forKey: .spanID)
        try container.encodeIfPresent(parentSpanID, forKey: .parentSpanID)
        try container.encode(clock, forKey: .clock)
        if !data.isEmpty { try container.encode(data, forKey: .data) }
    }
}

/// Writes events as JSON lines. Hand-written because it runs for every event on the writer thread:
/// it is several times faster than `JSONEncoder` and its key order is fixed, so output is deterministic.
public enum TraceEventEncoder {
    /// Appends `event` as one JSON line (with its trailing newline) to `buffer`.
    /// Writes bytes directly (no intermediate strings): this runs on the writer thread for every event.
    public static func appendLine(_ event: TraceEvent, to buffer: inout [UInt8]) {
        appendLiteral("{\"v\":", to: &buffer)
        appendInteger(Int64(event.version), to: &buffer)
        appendLiteral(",\"ts\":", to: &buffer)
        appendInteger(event.wallTimeNanos, to: &buffer)
        appendLiteral(",\"node\":", to: &buffer)
        appendString(event.node, to: &buffer)
        appendLiteral(",\"pid\":", to: &buffer)
        appendInteger(Int64(event.pid), to: &buffer)
        appendLiteral(",\"seq\":", to: &buffer)
        appendUnsigned(event.sequence, to: &buffer)
        appendLiteral(",\"kind\":", to: &buffer)
        appendString(event.kind.rawValue, to: &buffer)
        if let trace = event.traceID {
            appendLiteral(",\"trace\":", to: &buffer)
            appendString(trace, to: &buffer)
        }
        if let span = event.spanID {
            appendLiteral(",\"span\":", to: &buffer)
            appendString(span, to: &buffer)
        }
        if let parent = event.parentSpanID {
            appendLiteral(",\"parent\":", to: &buffer)
            appendString(parent, to: &buffer)
        }
        appendLiteral(",\"vc\":", to: &buffer)
        event.clock.appendJSON(to: &buffer)  // sorted, escaped: the same bytes as `appendString` and digits
        switch event.fields.storage {
        case .dictionary(let data):
            if !data.isEmpty {
                appendLiteral(",\"data\":", to: &buffer)
                appendObject(data, to: &buffer)
            }
        case .typed(let payload):
            appendTypedData(payload, to: &buffer)
        }
        appendLiteral("}\n", to: &buffer)
    }

    /// `,"data":{…}` written straight from the payload's fields (nothing when it has none): the bytes
    /// `appendObject` writes for the payload's `encoded()` dictionary, whose keys it sorts the same way.
    static func appendTypedData(_ payload: some TraceFieldsPayload, to buffer: inout [UInt8]) {
        var sink = DataBytes()
        swap(&sink.buffer, &buffer)
        payload.writeFields(to: &sink)
        if sink.count > 0 { sink.buffer.append(UInt8(ascii: "}")) }
        swap(&sink.buffer, &buffer)
    }

    /// The writer's sink: appends each field to the line as it comes.
    struct DataBytes: TraceFieldSink {
        var buffer: [UInt8] = []
        var count = 0

        @inline(__always)
        mutating func name(_ name: StaticString) {
            if count == 0 {
                TraceEventEncoder.appendLiteral(",\"data\":{\"", to: &buffer)
            } else {
                TraceEventEncoder.appendLiteral(",\"", to: &buffer)
            }
            count += 1
            // Field names are declared ASCII identifiers: nothing to escape.
            name.withUTF8Buffer { buffer.append(contentsOf: $0) }
            TraceEventEncoder.appendLiteral("\":", to: &buffer)
        }

        mutating func field(_ name: StaticString, string value: String) {
            self.name(name)
            TraceEventEncoder.appendString(value, to: &buffer)
        }

        mutating func field(_ name: StaticString, integer value: Int64) {
            self.name(name)
            TraceEventEncoder.appendInteger(value, to: &buffer)
        }
    }

    @inline(__always)
    static func appendLiteral(_ literal: StaticString, to buffer: inout [UInt8]) {
        literal.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    /// Decimal digits of `value`, without allocating a string.
    static func appendUnsigned(_ value: UInt64, to buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt64.max's 20 digits
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { scratch in
            while rest > 0 {
                scratch[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { buffer.append(scratch[index]) }
        }
    }

    static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
            appendUnsigned(value == .min ? UInt64(Int64.max) + 1 : UInt64(-value), to: &buffer)
        } else {
            appendUnsigned(UInt64(value), to: &buffer)
        }
    }

    /// One event as a JSON line (with its trailing newline).
    public static func line(_ event: TraceEvent) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        appendLine(event, to: &buffer)
        return buffer
    }

    static func appendString(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(0x22)
        var text = text
        let clean: Bool = text.withUTF8 { bytes in
            // Most strings (ids, node names, kinds, methods) need no escaping: copy their bytes as they are.
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            buffer.append(contentsOf: bytes)
            return true
        }
        if !clean { buffer.append(contentsOf: JSONText.escaped(text).utf8) }
        buffer.append(0x22)
    }

    static func appendObject(_ object: [String: TraceValue], to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "{"))
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            appendString(key, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            appendValue(object[key]!, to: &buffer)
        }
        buffer.append(UInt8(ascii: "}"))
    }

    static func appendValue(_ value: TraceValue, to buffer: inout [UInt8]) {
        switch value {
        case .string(let text): appendString(text, to: &buffer)
        case .int(let number): appendInteger(number, to: &buffer)
        case .double(let number):
            buffer.append(contentsOf: (number.isFinite ? "\(number)" : "null").utf8)
        case .bool(let flag): buffer.append(contentsOf: (flag ? "true" : "false").utf8)
        case .null: buffer.append(contentsOf: "null".utf8)
        case .array(let items):
            buffer.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                appendValue(item, to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let object): appendObject(object, to: &buffer)
        }
    }
}

/// Decodes one JSON line into an event.
public struct TraceEventDecoder {
    private let decoder = JSONDecoder()
    public init() {}

    /// Decodes `line` (without its newline). Throws a `DecodingError` for malformed lines.
    public func decode(_ line: some Collection<UInt8>) throws -> TraceEvent {
        try decoder.decode(TraceEvent.self, from: Data(line))
    }
}
