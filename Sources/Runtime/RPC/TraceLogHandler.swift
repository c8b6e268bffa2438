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
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let clock = clockEntry(of: event, merged: merged)
        let line: String
        switch format {
        case .text:
            let keys = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" } + (clock.map { ["clock=\($0)"] } ?? [])
            let node = recorder.map { " \($0.node)" } ?? ""
            line =
                "\(Self.timestamp())\(node) \(event.level.rawValue.uppercased()) \(label): \(event.message)"
                + (keys.isEmpty ? "" : " [\(keys.joined(separator: " "))]") + "\n"
        case .json:
            line =
                Self.jsonLine(
                    level: event.level, message: "\(event.message)", metadata: merged, label: label,
                    node: recorder?.node, clock: clock, timestamp: Self.timestamp()) + "\n"
        }
        // stderr is not concurrency-safe in Swift 6: one write(2) per record keeps lines whole.
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Records the line into the trace (at or above `traceLevel`) and returns the node's own vector-clock entry:
    /// that of the `log` event just recorded, or the current one when the line is not traced. A line and the trace
    /// event with that `vc[node]` are the same moment on the node's timeline.
    private func clockEntry(of event: LogEvent, merged: Logger.Metadata) -> UInt64? {
        guard let recorder else { return nil }
        guard event.level >= traceLevel else { return recorder.clock[recorder.node] }
        var attributes: [String: String] = [:]
        for (key, value) in merged where key != "trace_id" && key != "span_id" {
            attributes[key] = "\(value)"
        }
        var context: TraceContext?
        if case .string(let trace)? = merged["trace_id"], case .string(let span)? = merged["span_id"] {
            context = TraceContext(traceID: trace, spanID: span)
        }
        let clock = recorder.record(
            LogRecord(level: event.level.rawValue, message: "\(event.message)", logger: label, attributes: attributes),
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

    private static func timestamp() -> String {
        let nanos = TraceRecorder.systemWallClock()
        var seconds = time_t(nanos / 1_000_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int32((nanos / 1_000_000) % 1000))
    }
}
