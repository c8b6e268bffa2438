import ClusterProtocol
import TraceFormat

/// The file formats `TraceExporter` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// Chrome Trace Event JSON, for ui.perfetto.dev (and chrome://tracing).
    case perfetto
    /// OTLP/JSON `TracesData`, one trace per line, for an OpenTelemetry collector's `/v1/traces`.
    case otlp
    /// The ShiViz / GoVector log format, with vector clocks renumbered for the exported events.
    case shiviz
}

/// Which events of a run to export.
public struct ExportSelection: Sendable, Equatable {
    /// Only events of this order: `trace` starting with it, or a `data.order` starting with it (for example the
    /// queue's `queue.lease`, recorded in the lease call's trace): a whole id or a prefix. Stored lowercased; nil
    /// exports every order.
    public var order: String?
    /// Only events recorded by these nodes; empty exports every node.
    public var nodes: Set<String>

    public init(order: String? = nil, nodes: Set<String> = []) {
        self.order = order?.lowercased()
        self.nodes = nodes
    }

    /// True when `event` is part of the export.
    public func includes(_ event: TraceEvent) -> Bool {
        if !nodes.isEmpty && !nodes.contains(event.node) { return false }
        guard let order else { return true }
        return event.traceID?.hasPrefix(order) == true
            || ProtocolEvent.order(of: event)?.lowercased().hasPrefix(order) == true
    }
}

/// What an export did, for the command line to report.
public struct ExportSummary: Sendable, Equatable {
    /// Events of the selection that were read from the run.
    public var eventsSelected = 0
    /// Items written: trace events (perfetto), spans (otlp) or log events (shiviz).
    public var itemsWritten = 0
    /// Lines (otlp: traces) or JSON records written.
    public var linesWritten = 0
    /// Things the user should know about the output (for example that clocks were renumbered).
    public var notes: [String] = []
    /// Damage and malformed lines met while reading the run's files.
    public var problems: [String] = []

    public init() {}
}

/// Why an export could not run.
public enum TraceExportError: Error, CustomStringConvertible, Equatable {
    case notADirectory(String)
    case noTraceFiles(String)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .notADirectory(let path): return "\(path) is not a directory"
        case .noTraceFiles(let path): return "no trace files (*.jsonl.gz) in \(path)"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}
