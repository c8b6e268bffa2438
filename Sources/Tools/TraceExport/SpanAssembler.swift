import TraceFormat

/// One span rebuilt from the events that carry its id on one node.
struct AssembledSpan {
    /// OTLP span kinds used here.
    enum Kind: Int {
        case `internal` = 1
        case server = 2
        case client = 3
    }

    var traceID: String
    var spanID: String
    var parentSpanID: String?
    var node: String
    var pid: Int32
    var kind: Kind
    var name: String
    /// The event that opened the span (`rpc.send`, `rpc.receive`, `span.start`, or the first event).
    var start: TraceEvent
    /// The event that closed it; nil when it never closed in the trace (lost tail, killed node).
    var end: TraceEvent?
    /// The span's other events, in order.
    var events: [TraceEvent]

    /// True when an RPC or `span.start` opened the span and nothing in the trace closed it.
    var isIncomplete: Bool { end == nil && [.rpcSend, .rpcReceive, .spanStart].contains(start.kind) }

    /// 1 OK, 2 ERROR, 0 unset (no closing event, or one without a status).
    var statusCode: Int {
        guard let end else { return 0 }
        if end.kind == .rpcFailure { return 2 }
        guard let status = SpanEventFields.status(end) else { return 0 }
        return status == "ok" ? 1 : 2
    }

    /// A short reason for an ERROR status.
    var statusMessage: String? {
        guard statusCode == 2, let end else { return nil }
        return SpanEventFields.error(end) ?? SpanEventFields.status(end)
    }
}

/// Rebuilds spans from the events of one trace: `rpc.send` … `rpc.reply.receive`/`rpc.failure` is a client
/// span, `rpc.receive` … `rpc.reply.send` a server span, `span.start` … `span.end` an internal span, and any
/// other span id (for example an executor's `executor.dequeue` … `executor.commit`) an internal span from its
/// first to its last event. The other events of a span (logs, protocol events) become its events.
enum SpanAssembler {
    private static let opening: Set<EventKind> = [.rpcSend, .rpcReceive, .spanStart]
    private static let closing: Set<EventKind> = [.rpcReplyReceive, .rpcFailure, .rpcReplySend, .spanEnd]

    private struct Key: Hashable {
        var span: String
        var node: String
    }

    /// The spans of `events` (all of one trace), ordered by start time then span id.
    /// Events without a valid span id are not part of any span and are skipped.
    static func assemble(traceID: String, events: [TraceEvent]) -> [AssembledSpan] {
        var groups: [Key: [TraceEvent]] = [:]
        for event in events where HexID.isValid(event.spanID, length: 16) {
            groups[Key(span: event.spanID!, node: event.node), default: []].append(event)
        }
        var spans: [AssembledSpan] = []
        for (key, group) in groups {
            let ordered = group.sorted { ($0.wallTimeNanos, $0.sequence) < ($1.wallTimeNanos, $1.sequence) }
            spans.append(span(traceID: traceID, spanID: key.span, events: ordered))
        }
        spans.sort { ($0.start.wallTimeNanos, $0.spanID, $0.node) < ($1.start.wallTimeNanos, $1.spanID, $1.node) }
        return spans
    }

    private static func span(traceID: String, spanID: String, events: [TraceEvent]) -> AssembledSpan {
        let start = events.first { opening.contains($0.kind) } ?? events[0]
        let closingEvent = events.last { closing.contains($0.kind) }
        let end = closingEvent ?? (opening.contains(start.kind) || events.last == start ? nil : events.last)
        let kind: AssembledSpan.Kind
        let name: String
        switch start.kind {
        case .rpcSend:
            kind = .client
            name = SpanEventFields.name(start) ?? "rpc"
        case .rpcReceive:
            kind = .server
            name = SpanEventFields.name(start) ?? "rpc"
        case .spanStart:
            kind = .internal
            name = SpanEventFields.name(start) ?? "span"
        default:
            kind = .internal
            name = start.kind.rawValue
        }
        let parent = events.lazy.compactMap(\.parentSpanID).first
        let others = events.filter { $0 != start && $0 != end }
        return AssembledSpan(
            traceID: traceID, spanID: spanID, parentSpanID: parent, node: start.node, pid: start.pid, kind: kind,
            name: name, start: start, end: end, events: others)
    }
}
