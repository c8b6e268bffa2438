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
        data = try container.decodeIfPresent([String: TraceValue].self, forKey: .data) ?? [:]
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
    public static func appendLine(_ event: TraceEvent, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: "{\"v\":\(event.version),\"ts\":\(event.wallTimeNanos),\"node\":".utf8)
        appendString(event.node, to: &buffer)
        buffer.append(contentsOf: ",\"pid\":\(event.pid),\"seq\":\(event.sequence),\"kind\":".utf8)
        appendString(event.kind.rawValue, to: &buffer)
        if let trace = event.traceID {
            buffer.append(contentsOf: ",\"trace\":".utf8)
            appendString(trace, to: &buffer)
        }
        if let span = event.spanID {
            buffer.append(contentsOf: ",\"span\":".utf8)
            appendString(span, to: &buffer)
        }
        if let parent = event.parentSpanID {
            buffer.append(contentsOf: ",\"parent\":".utf8)
            appendString(parent, to: &buffer)
        }
        buffer.append(contentsOf: ",\"vc\":".utf8)
        buffer.append(contentsOf: event.clock.description.utf8)
        if !event.data.isEmpty {
            buffer.append(contentsOf: ",\"data\":".utf8)
            appendObject(event.data, to: &buffer)
        }
        buffer.append(contentsOf: "}\n".utf8)
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
        buffer.append(contentsOf: JSONText.escaped(text).utf8)
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
        case .int(let number): buffer.append(contentsOf: String(number).utf8)
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
