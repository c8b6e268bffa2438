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
    /// Room for a line on the stack (an RPC event's line is 300–600 bytes; Swift puts up to 1 KiB on the stack
    /// without asking, larger scratch went to the heap); longer lines are written again on the heap.
    static let stackLineBytes = 1024

    /// Appends `event` as one JSON line (with its trailing newline) to `buffer`.
    /// The line is written into scratch memory (`TraceLineBytes`) and appended in one copy: this runs on the writer
    /// thread for every event.
    public static func appendLine(_ event: TraceEvent, to buffer: inout [UInt8]) {
        let fitted = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: stackLineBytes) { scratch in
            var line = TraceLineBytes(scratch)
            write(event, to: &line)
            if !line.overflowed { buffer.append(contentsOf: line.written) }
            return !line.overflowed
        }
        var capacity = stackLineBytes
        while !fitted {
            capacity *= 4
            let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
            defer { scratch.deallocate() }
            var line = TraceLineBytes(scratch)
            write(event, to: &line)
            if !line.overflowed {
                buffer.append(contentsOf: line.written)
                return
            }
        }
    }

    /// The line of `event`, field by field, in the order of the format.
    static func write(_ event: TraceEvent, to line: inout TraceLineBytes) {
        line.literal("{\"v\":")
        line.integer(Int64(event.version))
        line.literal(",\"ts\":")
        line.integer(event.wallTimeNanos)
        line.literal(",\"node\":")
        line.string(event.node)
        line.literal(",\"pid\":")
        line.integer(Int64(event.pid))
        line.literal(",\"seq\":")
        line.unsigned(event.sequence)
        line.literal(",\"kind\":")
        line.string(event.kind.rawValue)
        if let trace = event.traceID {
            line.literal(",\"trace\":")
            line.string(trace)
        }
        if let span = event.spanID {
            line.literal(",\"span\":")
            line.string(span)
        }
        if let parent = event.parentSpanID {
            line.literal(",\"parent\":")
            line.string(parent)
        }
        line.literal(",\"vc\":")
        line.clock(event.clock)  // sorted, escaped: the bytes of `VectorClock.appendJSON`
        switch event.fields.storage {
        case .dictionary(let data):
            if !data.isEmpty {
                line.literal(",\"data\":")
                writeObject(data, to: &line)
            }
        case .typed(let payload):
            writeTypedData(payload, to: &line)
        }
        line.literal("}\n")
    }

    /// `,"data":{…}` written straight from the payload's fields (nothing when it has none): the bytes
    /// `writeObject` writes for the payload's `encoded()` dictionary, whose keys it sorts the same way.
    static func writeTypedData(_ payload: some TraceFieldsPayload, to line: inout TraceLineBytes) {
        var sink = DataBytes(line: line)
        payload.writeFields(to: &sink)
        if sink.count > 0 { sink.line.byte(UInt8(ascii: "}")) }
        line = sink.line
    }

    /// The writer's sink: appends each field to the line as it comes.
    struct DataBytes: TraceFieldSink {
        var line: TraceLineBytes
        var count = 0

        @inline(__always)
        mutating func name(_ name: StaticString) {
            line.literal(count == 0 ? ",\"data\":{\"" : ",\"")
            count += 1
            line.literal(name)  // field names are declared ASCII identifiers: nothing to escape
            line.literal("\":")
        }

        mutating func field(_ name: StaticString, string value: String) {
            self.name(name)
            line.string(value)
        }

        mutating func field(_ name: StaticString, integer value: Int64) {
            self.name(name)
            line.integer(value)
        }
    }

    /// One event as a JSON line (with its trailing newline).
    public static func line(_ event: TraceEvent) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        appendLine(event, to: &buffer)
        return buffer
    }

    static func writeObject(_ object: [String: TraceValue], to line: inout TraceLineBytes) {
        line.byte(UInt8(ascii: "{"))
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { line.byte(UInt8(ascii: ",")) }
            line.string(key)
            line.byte(UInt8(ascii: ":"))
            writeValue(object[key]!, to: &line)
        }
        line.byte(UInt8(ascii: "}"))
    }

    static func writeValue(_ value: TraceValue, to line: inout TraceLineBytes) {
        switch value {
        case .string(let text): line.string(text)
        case .int(let number): line.integer(number)
        case .double(let number):
            var text = number.isFinite ? "\(number)" : "null"
            text.withUTF8 { line.bytes($0) }
        case .bool(let flag): line.literal(flag ? "true" : "false")
        case .null: line.literal("null")
        case .array(let items):
            line.byte(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { line.byte(UInt8(ascii: ",")) }
                writeValue(item, to: &line)
            }
            line.byte(UInt8(ascii: "]"))
        case .object(let object): writeObject(object, to: &line)
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
