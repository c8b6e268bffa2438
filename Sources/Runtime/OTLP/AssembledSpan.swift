import TraceFormat

/// One span rebuilt from the events that carry its id on one node.
public struct AssembledSpan: Sendable {
    /// OTLP span kinds (`Span.SpanKind`).
    public enum Kind: Int, Sendable {
        case `internal` = 1
        case server = 2
        case client = 3
        case producer = 4
        case consumer = 5
    }

    /// A span link (`Span.Link`): another span this one is causally joined to without being its child.
    public struct Link: Sendable, Equatable {
        public var traceID: String
        public var spanID: String
        /// What the link means, as the attribute `bookstore.link` (`producer`, `lease`).
        public var relation: String

        public init(traceID: String, spanID: String, relation: String) {
            self.traceID = traceID
            self.spanID = spanID
            self.relation = relation
        }
    }

    public var traceID: String
    public var spanID: String
    public var parentSpanID: String?
    public var node: String
    public var pid: Int32
    public var kind: Kind
    public var name: String
    /// The event that opened the span (`rpc.send`, `rpc.receive`, `span.start`, `executor.dequeue`, or the first).
    public var start: TraceEvent
    /// The event that closed it; nil when it never closed in the trace (lost tail, killed node).
    public var end: TraceEvent?
    /// The span's other events, in order.
    public var events: [TraceEvent]
    /// Spans this one is joined to by links (the producer of the order a consumer span processes, …).
    public var links: [Link] = []

    /// True when an opening event opened the span and nothing in the trace closed it.
    public var isIncomplete: Bool { end == nil && SpanAssembler.opens(start) }

    /// 1 OK, 2 ERROR, 0 unset (no closing event, or one without a status).
    public var statusCode: Int {
        guard let end else { return 0 }
        if end.kind == .rpcFailure { return 2 }
        guard let status = SpanEventFields.status(end) ?? SpanEventFields.outcome(end) else { return 0 }
        return ["ok", "committed", "already_committed"].contains(status) ? 1 : 2
    }

    /// A short reason for an ERROR status.
    public var statusMessage: String? {
        guard statusCode == 2, let end else { return nil }
        return SpanEventFields.error(end) ?? SpanEventFields.status(end) ?? SpanEventFields.outcome(end)
    }

    /// The RPC or route name of an RPC span (`enqueue`, `POST /checkout`); nil for other spans.
    public var rpcMethod: String? { RPCEvent.decoded(start)?.method }
}
