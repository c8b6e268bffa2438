import Foundation
import Logging
import TraceFormat

/// A swift-log handler that writes each record to stderr (human-readable or JSON) and into the node's trace
/// as a `log` event (with the record's trace id when its metadata has one). Bootstrapped by executables only.
/// Each line carries the node, the request's `trace_id`/`span_id` (metadata a request's logger has) and `clock`,
/// the node's own vector-clock entry at that moment, so that log lines and trace events join.
public struct TraceLogHandler: LogHandler {
    /// How records look on stderr.
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let recorder: TraceRecorder?
    private let format: Format
    /// Records at or above this level also go to the trace file.
    private let traceLevel: Logger.Level

    public init(
        label: String, recorder: TraceRecorder?, format: Format = .text, level: Logger.Level = .info,
        traceLevel: Logger.Level = .info
    ) {
        self.label = label
        self.recorder = recorder
        self.format = format
        self.logLevel = level
        self.traceLevel = traceLevel
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata {
            if merged.isEmpty { merged = extra } else { merged.merge(extra) { $1 } }
        }
        let message = "\(event.message)"
        let clock = clockEntry(of: event, message: message, merged: merged)
        var line: [UInt8]
        switch format {
        case .text:
            line = Self.textLine(
                level: event.level, message: message, metadata: merged, label: label, node: recorder?.node,
                clock: clock)
        case .json:
            line = Array(
                Self.jsonLine(
                    level: event.level, message: message, metadata: merged, label: label, node: recorder?.node,
                    clock: clock, timestamp: Self.timestamp()
                ).utf8)
            line.append(0x0A)
        }
        // stderr is not concurrency-safe in Swift 6: one write(2) per record keeps lines whole.
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// One text line: `<timestamp> <node> <LEVEL> <label>: <message> [key=value … clock=N]` and a newline, the
    /// metadata keys sorted, written into one byte buffer.
    static func textLine(
        level: Logger.Level, message: String, metadata: Logger.Metadata, label: String, node: String?, clock: UInt64?
    ) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(160 + message.utf8.count)
        line += timestamp().utf8
        if let node {
            line.append(0x20)
            line += node.utf8
        }
        line.append(0x20)
        line += level.rawValue.uppercased().utf8
        line.append(0x20)
        line += label.utf8
        line += ": ".utf8
        line += message.utf8
        if !metadata.isEmpty || clock != nil {
            line += " [".utf8
            var first = true
            for key in metadata.keys.sorted() {
                if !first { line.append(0x20) }
                first = false
                line += key.utf8
                line.append(UInt8(ascii: "="))
                line += Self.text(of: metadata[key]!).utf8
            }
            if let clock {
                if !first { line.append(0x20) }
                line += "clock=".utf8
                line += String(clock).utf8
            }
            line.append(UInt8(ascii: "]"))
        }
        line.append(0x0A)
        return line
    }

    /// A metadata value as text (a string as it is, without interpolation).
    private static func text(of value: Logger.MetadataValue) -> String {
        if case .string(let text) = value { return text }
        return "\(value)"
    }

    /// Records the line into the trace (at or above `traceLevel`) and returns the node's own vector-clock entry:
    /// that of the `log` event just recorded, or the current one when the line is not traced. A line and the trace
    /// event with that `vc[node]` are the same moment on the node's timeline.
    private func clockEntry(of event: LogEvent, message: String, merged: Logger.Metadata) -> UInt64? {
        guard let recorder else { return nil }
        guard event.level >= traceLevel else { return recorder.clock[recorder.node] }
        var attributes: [String: String] = [:]
        for (key, value) in merged where key != "trace_id" && key != "span_id" {
            attributes[key] = Self.text(of: value)
        }
        var context: TraceContext?
        if case .string(let trace)? = merged["trace_id"], case .string(let span)? = merged["span_id"] {
            context = TraceContext(traceID: trace, spanID: span)
        }
        let clock = recorder.record(
            LogRecord(level: event.level.rawValue, message: message, logger: label, attributes: attributes),
            context: context)
        return clock[recorder.node]
    }

    /// One JSON log line: the metadata with their types, `ts`, `level`, `logger`, `message`, `node` and `clock`
    /// (the node's vector-clock entry), keys sorted.
    public static func jsonLine(
        level: Logger.Level, message: String, metadata: Logger.Metadata, label: String, node: String?,
        clock: UInt64?, timestamp: String
    ) -> String {
        var fields: [String: LogLineValue] = [:]
        for (key, value) in metadata { fields[key] = LogLineValue(value, key: key) }
        fields["ts"] = .string(timestamp)
        fields["level"] = .string(level.rawValue)
        fields["logger"] = .string(label)
        fields["message"] = .string(message)
        if let node { fields["node"] = .string(node) }
        if let clock { fields["clock"] = .unsigned(clock) }
        return LogLineValue.line(fields)
    }

    /// The wall-clock time as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), written digit by digit (`String(format:)` was half
    /// of a log line's cost).
    static func timestamp(nanos: UInt64 = UInt64(clamping: TraceRecorder.systemWallClock())) -> String {
        var seconds = time_t(clamping: nanos / 1_000_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int32, digits: Int, then separator: UInt8) {
                var rest = Int(value)
                for position in stride(from: digits - 1, through: 0, by: -1) {
                    buffer[index + position] = UInt8(ascii: "0") + UInt8(clamping: rest % 10)
                    rest /= 10
                }
                buffer[index + digits] = separator
                index += digits + 1
            }
            put(parts.tm_year + 1900, digits: 4, then: UInt8(ascii: "-"))
            put(parts.tm_mon + 1, digits: 2, then: UInt8(ascii: "-"))
            put(parts.tm_mday, digits: 2, then: UInt8(ascii: "T"))
            put(parts.tm_hour, digits: 2, then: UInt8(ascii: ":"))
            put(parts.tm_min, digits: 2, then: UInt8(ascii: ":"))
            put(parts.tm_sec, digits: 2, then: UInt8(ascii: "."))
            put(Int32((nanos / 1_000_000) % 1000), digits: 3, then: UInt8(ascii: "Z"))
            return index
        }
    }
}
