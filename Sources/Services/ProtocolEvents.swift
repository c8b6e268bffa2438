import TraceFormat

/// Trace event kinds recorded by the checkout and executor services (see docs/trace-format.md).
extension EventKind {
    /// The orchestrator's decision on an order (`data`: order, status, reasons, fraud_score).
    public static let orderDecision = EventKind("order.decision")
    /// The queue stored an approved order (`data`: order, priority, depth, duplicate).
    public static let queueEnqueue = EventKind("queue.enqueue")
    /// The queue leased an order to an executor (`data`: order, executor, epoch, term, lease, delivery,
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
    /// The leader took an order (`data`: order, epoch, term, lease).
    public static let executorDequeue = EventKind("executor.dequeue")
    /// The leader executed an order and the queue committed it (`data`: order, epoch, term, lease, outcome).
    public static let executorCommit = EventKind("executor.commit")
}
