import TraceFormat

/// Trace event kinds recorded by the checkout services (see docs/trace-format.md).
extension EventKind {
    /// The orchestrator's decision on an order (`data`: order, status, reasons, fraud_score).
    public static let orderDecision = EventKind("order.decision")
    /// The queue stored an approved order (`data`: order, priority, depth, duplicate).
    public static let queueEnqueue = EventKind("queue.enqueue")
    /// The queue handed out an order (`data`: order, depth, executor?).
    public static let queueDequeue = EventKind("queue.dequeue")
}
