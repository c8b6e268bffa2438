import OTLP
import ClusterProtocol
import TraceAnalysis
import TraceFormat

/// Writes a run as Chrome Trace Event JSON (`{"traceEvents":[…],"displayTimeUnit":"ms"}`) for ui.perfetto.dev.
///
/// - One process track per node (`pid` = position of the node in the sorted list of the run's nodes, from 1;
///   named with `process_name` metadata), split into numbered thread tracks ("lanes") so that slices nest.
/// - RPCs as complete (`X`) slices: the client's from `rpc.send` to `rpc.reply.receive`/`rpc.failure`, the
///   server's from `rpc.receive` to `rpc.reply.send`; `span.start`…`span.end` as slices too. A slice that never
///   closed ends at its node's last exported event and has `"incomplete": true` in its args.
/// - Each request as a flow arrow (`s` inside the client slice at the send, `f` with `"bp":"e"` inside the server
///   slice at the receive), numbered 1, 2, … .
/// - Election events and heartbeat timeouts as instant events: a node becoming leader (`election.leader` with
///   `self: true`) and step-downs global (`"s":"g"`), the rest on the node's process (`"s":"p"`).
/// - Queue depth (`depth` of `queue.*` events) as the counter "queue depth".
/// - Timestamps: microseconds (three decimals, so nanoseconds are kept) since the run's first event.
///
/// Memory: holds the selected RPC, span, election and queue events (not logs); use `--order`/`--node` to cut
/// a big run.
public struct PerfettoExporter {
    /// Shows how many events were read, on stderr (see `ProgressReporter`); nil shows nothing.
    public var progress: ProgressReporter?

    public init() {}

    /// Exports the selected events of `source` to `sink`.
    public func export(
        _ source: RunLoader, selection: ExportSelection, to sink: TextSink
    ) throws
        -> ExportSummary
    {
        var summary = ExportSummary()
        var runStart = Int64.max
        var nodes = Set(source.fileNodes)
        var kept: [TraceEvent] = []
        var lastNanos: [String: Int64] = [:]
        summary.problems = try source.forEachEvent(progress: progress) { event in
            runStart = min(runStart, event.wallTimeNanos)
            nodes.insert(event.node)
            guard selection.includes(event) else { return }
            summary.eventsSelected += 1
            lastNanos[event.node] = max(lastNanos[event.node] ?? .min, event.wallTimeNanos)
            if event.kind != .log { kept.append(event) }
        }
        let pids = Dictionary(uniqueKeysWithValues: nodes.sorted().enumerated().map { ($1, $0 + 1) })
        var slices = PerfettoSliceBuilder.slices(kept, lastNanos: lastNanos)
        let lanes = PerfettoLanes.assign(&slices)
        let base = runStart == .max ? 0 : runStart
        func ts(_ nanos: Int64) -> String { JSONWriting.microseconds(nanos, since: base) }

        var records: [String] = []
        for node in nodes.sorted() where lastNanos[node] != nil {
            let pid = String(pids[node]!)
            records.append(metadata("process_name", pid: pid, tid: "0", name: node))
            records.append(
                JSONWriting.object([
                    ("ph", "\"M\""), ("name", "\"process_sort_index\""), ("pid", pid), ("tid", "0"),
                    ("args", "{\"sort_index\":\(pid)}"),
                ]))
            for lane in 1...max(1, lanes[node] ?? 0) {
                records.append(metadata("thread_name", pid: pid, tid: String(lane), name: "\(node) #\(lane)"))
            }
        }
        for slice in slices {
            var args = baseArgs(slice.start)
            if let end = slice.end {
                for (key, value) in SpanEventFields.outcomeArgs(end) { args.append((key, JSONWriting.value(value))) }
                args.append(("vc_end", JSONWriting.quoted(end.clock.description)))
            } else {
                args.append(("incomplete", "true"))
            }
            records.append(
                JSONWriting.object([
                    ("ph", "\"X\""), ("name", JSONWriting.quoted(slice.name)),
                    ("cat", JSONWriting.quoted(slice.role.rawValue)), ("ts", ts(slice.start.wallTimeNanos)),
                    ("dur", JSONWriting.microseconds(slice.endNanos, since: slice.start.wallTimeNanos)),
                    ("pid", String(pids[slice.node]!)), ("tid", String(slice.lane)),
                    ("args", JSONWriting.object(args)),
                ]))
        }
        for (number, flow) in PerfettoSliceBuilder.flows(slices).enumerated() {
            let (client, server) = (slices[flow.client], slices[flow.server])
            let name = JSONWriting.quoted(client.name)
            records.append(
                JSONWriting.object([
                    ("ph", "\"s\""), ("id", String(number + 1)), ("name", name), ("cat", "\"rpc.flow\""),
                    ("ts", ts(client.start.wallTimeNanos)), ("pid", String(pids[client.node]!)),
                    ("tid", String(client.lane)),
                ]))
            records.append(
                JSONWriting.object([
                    ("ph", "\"f\""), ("bp", "\"e\""), ("id", String(number + 1)), ("name", name),
                    ("cat", "\"rpc.flow\""), ("ts", ts(server.start.wallTimeNanos)),
                    ("pid", String(pids[server.node]!)), ("tid", String(server.lane)),
                ]))
        }
        for event in kept {
            let pid = String(pids[event.node]!)
            if let scope = instantScope(event) {
                records.append(
                    JSONWriting.object([
                        ("ph", "\"i\""), ("s", JSONWriting.quoted(scope)),
                        ("name", JSONWriting.quoted(instantName(event))),
                        ("cat", "\"election\""), ("ts", ts(event.wallTimeNanos)), ("pid", pid), ("tid", "0"),
                        ("args", JSONWriting.object(baseArgs(event) + dataArgs(event))),
                    ]))
            } else if let depth = Self.queueDepth(event) {
                records.append(
                    JSONWriting.object([
                        ("ph", "\"C\""), ("name", "\"queue depth\""), ("ts", ts(event.wallTimeNanos)), ("pid", pid),
                        ("tid", "0"), ("args", "{\"depth\":\(depth)}"),
                    ]))
            }
        }
        try sink.write("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n")
        try sink.write(records.joined(separator: ",\n"))
        try sink.write("\n]}\n")
        summary.itemsWritten = records.count
        summary.linesWritten = records.count
        return summary
    }

    private func metadata(_ kind: String, pid: String, tid: String, name: String) -> String {
        JSONWriting.object([
            ("ph", "\"M\""), ("name", JSONWriting.quoted(kind)), ("pid", pid), ("tid", tid),
            ("args", JSONWriting.object([("name", JSONWriting.quoted(name))])),
        ])
    }

    private func baseArgs(_ event: TraceEvent) -> [(String, String)] {
        var args: [(String, String)] = [
            ("node", JSONWriting.quoted(event.node)), ("pid", String(event.pid)), ("seq", String(event.sequence)),
            ("vc", JSONWriting.quoted(event.clock.description)),
        ]
        if let trace = event.traceID { args.append(("trace", JSONWriting.quoted(trace))) }
        if let span = event.spanID { args.append(("span", JSONWriting.quoted(span))) }
        for (key, value) in SpanEventFields.messageArgs(event) { args.append((key, JSONWriting.value(value))) }
        return args
    }

    private func dataArgs(_ event: TraceEvent) -> [(String, String)] {
        event.data.keys.sorted().filter { !["method", "msg", "peer"].contains($0) }
            .map { ($0, JSONWriting.value(event.data[$0]!)) }
    }

    private func instantScope(_ event: TraceEvent) -> String? {
        let kind = event.kind.rawValue
        guard kind.hasPrefix("election.") || kind.hasPrefix("heartbeat.") else { return nil }
        if event.payload(ElectionLeader.self)?.isSelf == true { return "g" }
        return kind == "election.stepdown" ? "g" : "p"
    }

    /// The queue's depth after a queue event that reports it (enqueue, lease, overload).
    private static func queueDepth(_ event: TraceEvent) -> Int? {
        switch event.kind {
        case .queueEnqueue: event.payload(QueueEnqueue.self)?.depth
        case .queueLease: event.payload(QueueLease.self)?.depth
        case .queueOverloaded: event.payload(QueueOverloaded.self)?.depth
        default: nil
        }
    }

    private func instantName(_ event: TraceEvent) -> String {
        switch event.kind.rawValue {
        case "election.leader":
            let payload = event.payload(ElectionLeader.self)
            let leader = payload?.leader.map(String.init) ?? "?"
            return payload?.isSelf == true ? "\(event.node) becomes leader" : "leader is \(leader)"
        case "election.send", "election.receive":
            let message = event.payload(ElectionSend.self)?.message ?? event.payload(ElectionReceive.self)?.message
            return "\(event.kind.rawValue) \(message?.type ?? "")"
        default:
            return event.kind.rawValue
        }
    }
}
