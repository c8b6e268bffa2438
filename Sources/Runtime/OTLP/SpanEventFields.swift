import ClusterProtocol
import TraceFormat

/// The typed fields exporters read from the events that open and close spans (their payloads).
public enum SpanEventFields {
    /// The operation of an RPC event, or the name of a `span.start`/`span.end`.
    public static func name(_ event: TraceEvent) -> String? {
        if let rpc = RPCEvent.decoded(event) { return rpc.method }
        return event.payload(SpanStart.self)?.name ?? event.payload(SpanEnd.self)?.name
    }

    /// The `status` of an event that closes an exchange or a span.
    public static func status(_ event: TraceEvent) -> String? {
        RPCEvent.decoded(event)?.status ?? event.payload(SpanEnd.self)?.status
    }

    /// The `error` of an `rpc.failure` or `span.end`.
    public static func error(_ event: TraceEvent) -> String? {
        event.payload(RPCFailure.self)?.error ?? event.payload(SpanEnd.self)?.error
    }
}

extension SpanEventFields {
    /// `method`, `msg`, `peer` of an RPC event, as JSON values, in that order (absent ones left out).
    public static func messageArgs(_ event: TraceEvent) -> [(String, TraceValue)] {
        guard let rpc = RPCEvent.decoded(event) else { return [] }
        var args: [(String, TraceValue)] = []
        if let method = rpc.method { args.append(("method", .string(method))) }
        if let msg = rpc.msg { args.append(("msg", .string(msg))) }
        if let peer = rpc.peer { args.append(("peer", .string(peer))) }
        return args
    }

    /// `status`, `http_status`, `error`, `duration_ns` of an event that closes an exchange or a span, in that order
    /// (absent ones left out).
    public static func outcomeArgs(_ event: TraceEvent) -> [(String, TraceValue)] {
        var status: String?
        var httpStatus: Int?
        var error: String?
        var duration: Int64?
        switch RPCEvent.decoded(event) {
        case .replySend(let reply)?:
            (status, httpStatus, duration) = (reply.status, reply.httpStatus, reply.durationNanos)
        case .replyReceive(let reply)?:
            (status, httpStatus, duration) = (reply.status, reply.httpStatus, reply.durationNanos)
        case .failure(let failure)?: (status, error, duration) = (failure.status, failure.error, failure.durationNanos)
        default:
            if let end = event.payload(SpanEnd.self) {
                (status, error, duration) = (end.status, end.error, end.durationNanos)
            }
        }
        var args: [(String, TraceValue)] = []
        if let status { args.append(("status", .string(status))) }
        if let httpStatus { args.append(("http_status", .int(Int64(httpStatus)))) }
        if let error { args.append(("error", .string(error))) }
        if let duration { args.append(("duration_ns", .int(duration))) }
        return args
    }
}

extension SpanEventFields {
    /// The `outcome` of an `executor.commit` (`committed`, `already_committed`, `fenced`, …).
    public static func outcome(_ event: TraceEvent) -> String? {
        event.payload(ExecutorCommit.self)?.outcome
    }

    /// The order an event names in its `data` (`queue.enqueue`, `queue.lease`, `executor.dequeue`, …).
    public static func order(_ event: TraceEvent) -> String? {
        ProtocolEvent.order(of: event)
    }
}
