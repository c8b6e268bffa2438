import Checkout

// Every JSON-RPC method of the cluster, once: the server registers its handler with the descriptor and every
// client calls through it (see `Router.register(_:handler:)` and `RPCClient.call(_:_:context:deadline:)` in
// Services). A method's name is its `/rpc/<name>` path, so names are unique within a service.

/// The Order Queue's methods (`QueueService`; callers: the orchestrator, the executors' leader, tools).
public enum QueueRPC {
    /// Stores an approved order (idempotent by order id).
    public static let enqueue = RPCMethod<OrderTicket, EnqueueReply>("enqueue")
    /// The leader asks for an order for one of its slots, with its epoch as the fencing token.
    public static let lease = RPCMethod<LeaseRequest, LeaseReply>("lease")
    /// The leader executed a leased order: commit it.
    public static let ack = RPCMethod<AckRequest, AckReply>("ack")
    /// The leader gives a leased order back unexecuted (clean stop).
    public static let release = RPCMethod<AckRequest, AckReply>("release")
    /// The queue's state: waiting orders, leases, commits, highest epoch.
    public static let inspect = RPCMethod<NoPayload, QueueSnapshot>("inspect")
}

/// Each executor replica's methods (`ExecutorNode`; callers: the other replicas, tools).
public enum ExecutorRPC {
    /// An election message from another replica.
    public static let bully = RPCMethod<BullyEnvelope, NoPayload>("bully")
    /// What the replica believes now: role, epoch, leader, orders committed.
    public static let status = RPCMethod<NoPayload, ExecutorStatus>("status")
}

/// Transaction Verification (`VerificationService`; caller: the orchestrator).
public enum VerificationRPC {
    /// Every failed check of an order, not only the first.
    public static let verify = RPCMethod<OrderEnvelope, VerificationResult>("verify")
}

/// Fraud Detection (`FraudService`; caller: the orchestrator).
public enum FraudRPC {
    /// Rules and model score of an order.
    public static let assess = RPCMethod<OrderEnvelope, FraudAssessment>("assess")
}

/// Suggestions (`SuggestionsService`; caller: the orchestrator).
public enum SuggestionsRPC {
    /// Books to suggest for the ordered titles.
    public static let suggest = RPCMethod<SuggestionRequest, SuggestionResult>("suggest")
}
