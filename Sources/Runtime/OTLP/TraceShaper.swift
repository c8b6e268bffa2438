import ClusterProtocol
import TraceFormat

/// Shapes the spans of one trace for OpenTelemetry backends (the file export): joins an order's consumer span
/// to the producer span of its enqueue (as its parent, so the order has one root, and by a link), links it to
/// the queue's lease that handed the order out, and leaves out idle lease polls and `/metrics` scrapes.
public enum TraceShaper {
    /// An order's lease: the order id and lease id of a `queue.lease`.
    public struct LeaseKey: Hashable, Sendable {
        public var order: String
        public var lease: UInt64

        public init(order: String, lease: UInt64) {
            self.order = order
            self.lease = lease
        }
    }

    /// The lease a `queue.lease` event records, with the span it was recorded in (nil for other events).
    public static func lease(of event: TraceEvent) -> (LeaseKey, AssembledSpan.Link)? {
        guard event.kind == .queueLease, let payload = event.payload(QueueLease.self), let lease = payload.lease,
            HexID.isValid(event.traceID, length: 32), HexID.isValid(event.spanID, length: 16)
        else { return nil }
        return (
            LeaseKey(order: payload.order.lowercased(), lease: lease),
            AssembledSpan.Link(traceID: event.traceID!, spanID: event.spanID!, relation: "lease")
        )
    }

    /// Consumer spans (`executor.dequeue` … `executor.commit`) whose recorded parent (the ticket's `parentSpanId`,
    /// already linked by `SpanAssembler`) is not in the trace, or that have none (runs recorded before tickets
    /// carried it), become children of the trace's producer span (the orchestrator's `enqueue` call) and link to
    /// it; each links to its lease when `leases` knows it and `SpanAssembler` did not already link it (from
    /// the `executor.dequeue`'s `lease_span`).
    public static func joinQueueSpans(_ spans: inout [AssembledSpan], leases: [LeaseKey: AssembledSpan.Link]) {
        let ids = Set(spans.map(\.spanID))
        let producer =
            spans.first { $0.kind == .producer && $0.end.map { SpanEventFields.status($0) } == "ok" }
            ?? spans.first { $0.kind == .producer }
        for index in spans.indices where spans[index].kind == .consumer {
            let hasProducerLink = spans[index].links.contains { $0.relation == "producer" }
            if let producer, !hasProducerLink || spans[index].parentSpanID.map({ !ids.contains($0) }) ?? true {
                // Runs recorded before tickets carried `parentSpanId` (or whose producer span was lost): join to
                // the trace's producer span.
                spans[index].parentSpanID = producer.spanID
                spans[index].links.removeAll { $0.relation == "producer" }
                spans[index].links.append(
                    AssembledSpan.Link(traceID: producer.traceID, spanID: producer.spanID, relation: "producer"))
            }
            if !spans[index].links.contains(where: { $0.relation == "lease" }),
                let dequeue = spans[index].start.payload(ExecutorDequeue.self), let lease = dequeue.lease,
                let link = leases[LeaseKey(order: dequeue.order.lowercased(), lease: lease)]
            {
                spans[index].links.append(link)
            }
        }
    }

    /// `spans` without the subtrees of idle lease polls (only `lease` calls, no `queue.lease` in them) unless
    /// `keepIdlePolls`, and without `/metrics` scrapes unless `keepScrapes`.
    public static func withoutNoise(_ spans: [AssembledSpan], keepIdlePolls: Bool, keepScrapes: Bool) -> [AssembledSpan]
    {
        if keepIdlePolls && keepScrapes { return spans }
        let ids = Set(spans.map(\.spanID))
        var children: [String: [Int]] = [:]
        var roots: [Int] = []
        for (index, span) in spans.enumerated() {
            if let parent = span.parentSpanID, ids.contains(parent), parent != span.spanID {
                children[parent, default: []].append(index)
            } else {
                roots.append(index)
            }
        }
        var dropped = Set<Int>()
        for root in roots {
            var subtree = [root]
            var next = 0
            while next < subtree.count, subtree.count <= spans.count {
                subtree += children[spans[subtree[next]].spanID] ?? []
                next += 1
            }
            let members = subtree.map { spans[$0] }
            let isScrape = members.allSatisfy { $0.rpcMethod == "GET /metrics" }
            let isIdlePoll =
                members.allSatisfy { $0.rpcMethod == QueueRPC.lease.name }
                && !members.contains { $0.events.contains { $0.kind == .queueLease } }
            if (isScrape && !keepScrapes) || (isIdlePoll && !keepIdlePolls) { dropped.formUnion(subtree) }
        }
        return spans.indices.filter { !dropped.contains($0) }.map { spans[$0] }
    }
}
