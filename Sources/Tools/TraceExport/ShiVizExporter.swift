import OTLP
import Causality
import TraceAnalysis
import TraceFormat

/// Writes a run in the ShiViz / GoVector log format, for https://bestchai.bitbucket.io/shiviz/ .
///
/// Layout (what ShiViz's "upload a log" expects): line 1 the log-parsing regular expression, line 2 the
/// multiple-executions delimiter (empty: one execution), then two lines per event: `host {"host":n,…}` and a
/// one-line description (`kind key=value … seq=n`).
///
/// Vector clocks are **renumbered** (see `ClockRenumbering`): ShiViz wants each host's own entry to count that
/// host's logged events 1, 2, 3, … and only hosts that are in the log, while the run's clocks tick on every event
/// and name every node. Events are written in a linear extension of happened-before, each host in its own order.
///
/// Memory: holds the selected events; ShiViz itself is only comfortable with a few thousand events, so use
/// `--order` and `--node` for real runs.
public struct ShiVizExporter {
    /// Shows how many events were read, on stderr (see `ProgressReporter`); nil shows nothing.
    public var progress: ProgressReporter?

    /// The log-parsing regular expression on line 1 (valid for JavaScript and ICU / `NSRegularExpression`).
    public static let parserRegex = #"(?<host>\S+) (?<clock>\{.*\})\n(?<event>.*)"#
    /// The note for the user: the clocks in the file are not the run's.
    public static let renumberedNote =
        "vector clocks were renumbered for ShiViz: each host's own entry counts its exported events from 1, and "
        + "only exported messages merge (the original clock is not in the file; seq= names the original event)"
    /// The longest description written for one event, in characters.
    public static let maximumDescriptionLength = 400

    public init() {}

    /// Exports the selected events of `source` to `sink`.
    public func export(
        _ source: RunLoader, selection: ExportSelection, to sink: TextSink
    ) throws
        -> ExportSummary
    {
        var summary = ExportSummary()
        var perHost: [String: [TraceEvent]] = [:]
        summary.problems = try source.forEachEvent(progress: progress) { event in
            guard selection.includes(event) else { return }
            summary.eventsSelected += 1
            perHost[Self.host(event.node), default: []].append(event)
        }
        let ordered = ClockRenumbering.linearize(perHost)
        perHost.removeAll()
        let clocks = ClockRenumbering.renumber(ordered, host: Self.host)
        try sink.write(Self.parserRegex + "\n\n")
        for (event, clock) in zip(ordered, clocks) {
            try sink.write(Self.host(event.node) + " " + clock.description + "\n" + Self.describe(event) + "\n")
        }
        summary.itemsWritten = ordered.count
        summary.linesWritten = 2 + 2 * ordered.count
        summary.notes.append(Self.renumberedNote)
        return summary
    }

    /// A node id as a ShiViz host name (no white space).
    static func host(_ node: String) -> String {
        String(node.unicodeScalars.map { $0.properties.isWhitespace ? "_" : Character($0) })
    }

    /// A one-line description: kind, the `data` fields (sorted, strings unquoted), trace and sequence number.
    static func describe(_ event: TraceEvent) -> String {
        var parts = [event.kind.rawValue]
        for key in event.data.keys.sorted() {
            let value = event.data[key]!
            parts.append("\(key)=\(value.stringValue ?? JSONWriting.value(value))")
        }
        if let trace = event.traceID { parts.append("trace=\(trace)") }
        parts.append("seq=\(event.sequence)")
        var text = String(
            parts.joined(separator: " ").unicodeScalars.map {
                ["\n", "\r", "\u{2028}", "\u{2029}"].contains($0) ? " " : Character($0)
            })
        if text.count > maximumDescriptionLength { text = String(text.prefix(maximumDescriptionLength - 1)) + "…" }
        return text
    }
}
