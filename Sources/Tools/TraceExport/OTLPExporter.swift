import OTLP
import TraceAnalysis
import TraceFormat

/// Writes a run as OTLP/JSON: one `TracesData` object per line, one trace (order) per line, ready to POST to a
/// collector's `/v1/traces`.
///
/// Memory: a first pass counts the selected events of every trace (one small entry per trace). Traces are then
/// exported in batches of at most `maximumEventsPerBatch` events (a bigger single trace forms its own batch);
/// each batch re-reads the run and holds only its own traces' events. Events without a valid trace id (for
/// example elections outside any request) are not exported.
public struct OTLPExporter {
    /// Shows how many events were read, on stderr (see `ProgressReporter`); nil shows nothing.
    public var progress: ProgressReporter?

    /// How many events one batch may hold before the run is read again for the next batch.
    public var maximumEventsPerBatch: Int

    /// Keep lease polls that leased nothing (left out by default: they are most of a run's traces).
    public var keepIdlePolls: Bool
    /// Keep `/metrics` scrapes (runs recorded before scrapes stopped being traced).
    public var keepScrapes: Bool
    /// Node id → advertised `host:port` (from the cluster config), for `server.address`/`server.port`.
    public var addresses: [String: String]
    /// A collector's `/v1/traces` URL: every line is also POSTed there (one request per trace).
    public var endpoint: String?

    public init(
        maximumEventsPerBatch: Int = 200_000, keepIdlePolls: Bool = false, keepScrapes: Bool = false,
        addresses: [String: String] = [:]
    ) {
        self.maximumEventsPerBatch = max(1, maximumEventsPerBatch)
        self.keepIdlePolls = keepIdlePolls
        self.keepScrapes = keepScrapes
        self.addresses = addresses
    }

    private struct TraceTally {
        var events = 0
        var firstNanos = Int64.max
    }

    /// Exports the selected events of `source` to `sink`.
    public func export(
        _ source: RunLoader, selection: ExportSelection, to sink: TextSink
    ) throws
        -> ExportSummary
    {
        var summary = ExportSummary()
        var tallies: [String: TraceTally] = [:]
        var withoutTrace = 0
        var leases: [TraceShaper.LeaseKey: AssembledSpan.Link] = [:]
        let poster = endpoint.map { OTLPPoster(url: $0, timeoutMilliseconds: 10_000) }
        var posted = Posted()
        summary.problems = try source.forEachEvent(progress: progress) { event in
            if let (key, link) = TraceShaper.lease(of: event) { leases[key] = link }
            guard selection.includes(event) else { return }
            summary.eventsSelected += 1
            guard HexID.isValid(event.traceID, length: 32) else {
                withoutTrace += 1
                return
            }
            tallies[event.traceID!, default: TraceTally()].events += 1
            tallies[event.traceID!]!.firstNanos = min(tallies[event.traceID!]!.firstNanos, event.wallTimeNanos)
        }
        let order = tallies.keys.sorted { (tallies[$0]!.firstNanos, $0) < (tallies[$1]!.firstNanos, $1) }
        for batch in batches(order, tallies: tallies) {
            let wanted = Set(batch)
            var events: [String: [TraceEvent]] = [:]
            try source.forEachEvent(progress: progress) { event in
                guard selection.includes(event), let trace = event.traceID, wanted.contains(trace) else { return }
                events[trace, default: []].append(event)
            }
            for trace in batch {
                var spans = TraceShaper.withoutNoise(
                    SpanAssembler.assemble(traceID: trace, events: events[trace] ?? []), keepIdlePolls: keepIdlePolls,
                    keepScrapes: keepScrapes)
                guard !spans.isEmpty else { continue }
                TraceShaper.joinQueueSpans(&spans, leases: leases)
                let line = OTLPEncoder.tracesData(spans, addresses: addresses)
                try sink.write(line + "\n")
                post(line, spans: spans.count, with: poster, posted: &posted, summary: &summary)
                summary.linesWritten += 1
                summary.itemsWritten += spans.count
            }
        }
        if let endpoint {
            summary.notes.append(
                "posted \(posted.traces) traces (\(posted.spans) spans) to \(endpoint); \(posted.failed) failed")
        }
        if withoutTrace > 0 {
            summary.notes.append("\(withoutTrace) selected events carry no trace id and are not in the OTLP export")
        }
        return summary
    }

    private struct Posted {
        var traces = 0
        var spans = 0
        var failed = 0
    }

    /// POSTs one trace when `endpoint` is set; the first few failures are reported as problems.
    private func post(
        _ line: String, spans: Int, with poster: OTLPPoster?, posted: inout Posted, summary: inout ExportSummary
    ) {
        guard let endpoint, let poster else { return }
        if let failure = poster.post(Array(line.utf8)) {
            posted.failed += 1
            if posted.failed <= 5 { summary.problems.append("POST to \(endpoint) failed: \(failure)") }
        } else {
            posted.traces += 1
            posted.spans += spans
        }
    }

    private func batches(_ order: [String], tallies: [String: TraceTally]) -> [[String]] {
        var result: [[String]] = []
        var current: [String] = []
        var size = 0
        for trace in order {
            let count = tallies[trace]!.events
            if !current.isEmpty && size + count > maximumEventsPerBatch {
                result.append(current)
                current = []
                size = 0
            }
            current.append(trace)
            size += count
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
