import ClusterProtocol
import TraceFormat

/// Rebuilds spans from events: `rpc.send` … `rpc.reply.receive`/`rpc.failure` is a client span (a producer span
/// for `enqueue`), `rpc.receive` … `rpc.reply.send` a server span, `span.start` … `span.end` an internal span,
/// `executor.dequeue` … `executor.commit` a consumer span (the leader processing one order; a child of its order's
/// producer span, with a link to it, when its events name that span as `parent`), and any other span id
/// an internal span from its first to its last event. The other events of a span (logs, protocol events) become
/// its events. The file export (`assemble`) and the live export (`LiveSpanAssembler`) use the same rules.
public enum SpanAssembler {
    private static let opening: Set<EventKind> = [.rpcSend, .rpcReceive, .spanStart, .executorDequeue]
    private static let closing: Set<EventKind> = [.rpcReplyReceive, .rpcFailure, .rpcReplySend, .spanEnd]

    /// True when `event` opens a span.
    public static func opens(_ event: TraceEvent) -> Bool { opening.contains(event.kind) }

    /// True when `event` closes the span that `start` opened.
    public static func closes(_ event: TraceEvent, opened start: TraceEvent) -> Bool {
        if start.kind == .executorDequeue { return event.kind == .executorCommit }
        return closing.contains(event.kind)
    }

    private struct Key: Hashable {
        var span: String
        var node: String
    }

    /// The spans of `events` (all of one trace), ordered by start time then span id.
    /// Events without a valid span id are not part of any span and are skipped.
    public static func assemble(traceID: String, events: [TraceEvent]) -> [AssembledSpan] {
        var groups: [Key: [TraceEvent]] = [:]
        for event in events where HexID.isValid(event.spanID, length: 16) {
            groups[Key(span: event.spanID!, node: event.node), default: []].append(event)
        }
        var spans: [AssembledSpan] = []
        for (_, group) in groups {
            let ordered = group.sorted { ($0.wallTimeNanos, $0.sequence) < ($1.wallTimeNanos, $1.sequence) }
            spans.append(span(traceID: traceID, events: ordered))
        }
        spans.sort { ($0.start.wallTimeNanos, $0.spanID, $0.node) < ($1.start.wallTimeNanos, $1.spanID, $1.node) }
        return spans
    }

    /// One span from the events of one span id on one node, in recording order (at least one event).
    public static func span(traceID: String, events: [TraceEvent]) -> AssembledSpan {
        let start = events.first { opens($0) } ?? events[0]
        let closingEvent = events.last { closes($0, opened: start) }
        let end = closingEvent ?? (opens(start) || events.last == start ? nil : events.last)
        let kind: AssembledSpan.Kind
        let name: String
        switch start.kind {
        case .rpcSend:
            let method = SpanEventFields.name(start)
            kind = method == QueueRPC.enqueue.name ? .producer : .client
            name = method ?? "rpc"
        case .rpcReceive:
            kind = .server
            name = SpanEventFields.name(start) ?? "rpc"
        case .spanStart:
            kind = .internal
            name = SpanEventFields.name(start) ?? "span"
        case .executorDequeue:
            kind = .consumer
            name = "process orders"
        default:
            kind = .internal
            name = start.kind.rawValue
        }
        let parent = events.lazy.compactMap(\.parentSpanID).first
        let others = events.filter { $0 != start && $0 != end }
        var span = AssembledSpan(
            traceID: traceID, spanID: start.spanID ?? "", parentSpanID: parent, node: start.node, pid: start.pid,
            kind: kind, name: name, start: start, end: end, events: others)
        // A consumer span's recorded parent is the producer span of its order (the ticket's `parentSpanId`).
        if kind == .consumer, let parent, HexID.isValid(parent, length: 16) {
            span.links.append(AssembledSpan.Link(traceID: traceID, spanID: parent, relation: "producer"))
        }
        // … and its `executor.dequeue` names the queue's span that handed the lease out.
        if kind == .consumer, let dequeue = start.payload(ExecutorDequeue.self), let trace = dequeue.leaseTrace,
            let lease = dequeue.leaseSpan, HexID.isValid(trace, length: 32), HexID.isValid(lease, length: 16)
        {
            span.links.append(AssembledSpan.Link(traceID: trace, spanID: lease, relation: "lease"))
        }
        return span
    }
}
