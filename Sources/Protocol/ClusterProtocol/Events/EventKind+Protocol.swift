import TraceModel

/// Trace event kinds recorded by the checkout and executor services (see docs/trace-format.md §4.7). Each has one
/// payload type next to it (`QueueLease` for `queue.lease`, …): the fields listed here are that payload's.
extension EventKind {
    /// The orchestrator's decision on an order (`data`: order, status, reasons, fraud_score, retried).
    public static let orderDecision = EventKind("order.decision")
    /// The queue stored an approved order (`data`: order, priority, depth, duplicate).
    public static let queueEnqueue = EventKind("queue.enqueue")
    /// The queue leased an order to an executor (`data`: order, executor, epoch, term, lease, delivery, slot,
    /// expires_in_ms, renewed, depth).
    public static let queueLease = EventKind("queue.lease")
    /// The queue committed an order (`data`: order, executor, epoch, term, lease, outcome).
    public static let queueCommit = EventKind("queue.commit")
    /// The queue refused an ack (`data`: like queue.commit; outcome fenced / no_lease / already_committed).
    public static let queueAckRefused = EventKind("queue.ack.refused")
    /// A lease ran out and its order went back (`data`: order, executor, epoch, lease).
    public static let queueLeaseExpired = EventKind("queue.lease.expired")
    /// A newer epoch revoked an older lease (`data`: order, executor, epoch, lease, by).
    public static let queueLeaseRevoked = EventKind("queue.lease.revoked")
    /// A request with a stale epoch was refused (`data`: operation, executor, epoch, current).
    public static let queueFenced = EventKind("queue.fenced")

    /// An executor started an election (`data`: reason, term).
    public static let electionStart = EventKind("election.start")
    /// An executor sent an election message (`data`: type, to, epoch).
    public static let electionSend = EventKind("election.send")
    /// An executor received an election message (`data`: type, from, epoch).
    public static let electionReceive = EventKind("election.receive")
    /// An executor learned of a leader, possibly itself (`data`: leader, epoch, term, self).
    public static let electionLeader = EventKind("election.leader")
    /// A leader stepped down (`data`: epoch, newer).
    public static let electionStepDown = EventKind("election.stepdown")
    /// A follower's failure detector fired (`data`: leader, silent_ms, reason).
    public static let heartbeatTimeout = EventKind("heartbeat.timeout")
    /// The leader took an order (`data`: order, epoch, term, lease, delivery, slot).
    public static let executorDequeue = EventKind("executor.dequeue")
    /// The leader executed an order and the queue answered its ack (`data`: order, epoch, term, lease, outcome).
    public static let executorCommit = EventKind("executor.commit")
}

/// Event kinds of the durable queue, supervision and clean stop (see docs/queue-durability.md).
extension EventKind {
    /// The queue finished replaying its write-ahead log at start (`data`: records, waiting, committed,
    /// revoked, highest_epoch, replay_ms, damaged, orders = ids waiting after recovery, recent_commits = the orders of
    /// the newest commits replayed from the log).
    public static let queueRecovered = EventKind("queue.recovered")
    /// The queue is stopping cleanly (`data`: waiting, orders = ids still waiting, durable).
    public static let queueStopped = EventKind("queue.stopped")
    /// The queue refused an order because `maxWaiting` orders wait (`data`: order, depth, max).
    public static let queueOverloaded = EventKind("queue.overloaded")
    /// A leader gave a lease back without executing it (clean stop) (`data`: order, executor, epoch, lease).
    public static let queueLeaseReleased = EventKind("queue.lease.released")
    /// The orchestrator went on without suggestions (`data`: order, reason).
    public static let suggestionsSkipped = EventKind("suggestions.skipped")
    /// The supervisor restarted a service that exited unexpectedly (`data`: service, status, restarts, backoff_ms).
    public static let serviceRestarted = EventKind("service.restarted")
    /// The supervisor gave up restarting a service (`data`: service, restarts, window_s).
    public static let serviceGaveUp = EventKind("service.gave_up")
    /// A node begins a clean stop (`data`: signal).
    public static let nodeStopping = EventKind("node.stopping")
}
