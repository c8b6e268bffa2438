import Foundation
import Logging
import TraceFormat

/// A swift-log handler that writes each record to stderr (human-readable or JSON) and into the node's trace
/// as a `log` event (with the record's trace id when its metadata has one). Bootstrapped by executables only.
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
        if let recorder, event.level >= traceLevel {
            var attributes: [String: String] = [:]
            for (key, value) in merged where key != "trace_id" && key != "span_id" {
                attributes[key] = "\(value)"
            }
            var context: TraceContext?
            if case .string(let trace)? = merged["trace_id"], case .string(let span)? = merged["span_id"] {
                context = TraceContext(traceID: trace, spanID: span)
            }
            recorder.record(
                LogRecord(
                    level: event.level.rawValue, message: "\(event.message)", logger: label, attributes: attributes),
                context: context)
        }
        let line: String
        switch format {
        case .text:
            let keys = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            let node = recorder.map { " \($0.node)" } ?? ""
            line =
                "\(Self.timestamp())\(node) \(event.level.rawValue.uppercased()) \(label): \(event.message)"
                + (keys.isEmpty ? "" : " [\(keys)]") + "\n"
        case .json:
            var fields: [String: String] = [:]
            for (key, value) in merged { fields[key] = "\(value)" }
            fields["ts"] = Self.timestamp()
            fields["level"] = event.level.rawValue
            fields["logger"] = label
            fields["message"] = "\(event.message)"
            if let recorder { fields["node"] = recorder.node }
            let data = (try? JSONCoding.encoder.encode(fields)) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        // stderr is not concurrency-safe in Swift 6: one write(2) per record keeps lines whole.
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
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
