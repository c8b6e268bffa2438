/// What a metric family is: its Prometheus type and the `# HELP` text it is exposed with.
public struct MetricDefinition: Sendable, Equatable {
    /// The Prometheus metric types the services expose.
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// The name in the code (`queue_depth`); Prometheus sees `bookstore_` + name.
    public var label: String
    public var kind: Kind
    public var help: String

    public init(_ label: String, _ kind: Kind, _ help: String) {
        self.label = label
        self.kind = kind
        self.help = help
    }

    /// The exposed family name: `bookstore_<label>`.
    public var name: String { MetricCatalog.prefix + label }
}

/// Every metric family the services make through swift-metrics, with its `# HELP` text: the one place a metric is
/// described. Names follow Prometheus' conventions: counters end in `_total`, durations are seconds, sizes bytes.
/// The metrics factory (`BookstoreMetricsFactory`) prefixes each with `bookstore_`; the process metrics keep the
/// standard `process_` names (see `CollectedMetrics`).
public enum MetricCatalog {
    /// The prefix of every family the services define.
    public static let prefix = "bookstore_"

    /// Every definition, by the label the code uses.
    public static let definitions: [String: MetricDefinition] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.label, $0) })

    /// The definition of `label`, or a generic one (a test checks that every label in the code is listed).
    public static func definition(_ label: String, kind: MetricDefinition.Kind) -> MetricDefinition {
        definitions[label] ?? MetricDefinition(label, kind, "Bookstore metric \(label) (not described).")
    }

    /// The families, grouped by the layer that records them.
    public static let all: [MetricDefinition] = rpc + checkout + queue + executor + fraud + liveExport

    static let rpc: [MetricDefinition] = [
        .init(
            "rpc_server_requests_total", .counter,
            "Requests this node's server answered, by method and outcome (ok or the error code)."),
        .init(
            "rpc_server_duration_seconds", .histogram,
            "Seconds this node's server took from a request's arrival to its reply, by method."),
        .init(
            "rpc_client_requests_total", .counter,
            "Calls this node made to another service, by peer, method and outcome (ok or the error code)."),
        .init(
            "rpc_client_duration_seconds", .histogram,
            "Seconds a call to another service took as the caller saw it (retries excluded), by peer and method."),
        .init(
            "rpc_rejected_metadata_total", .counter,
            "Requests or replies refused for their protocol headers (vector clock, trace context), by reason."),
        .init(
            "rpc_ignored_metadata_total", .counter,
            "Requests whose optional protocol headers were ignored (a malformed traceparent), by reason."),
        .init(
            "rpc_unauthorized_total", .counter,
            "Internal requests refused because they lacked the cluster credential."),
    ]

    static let checkout: [MetricDefinition] = [
        .init(
            "checkout_orders_total", .counter,
            "Checkouts the orchestrator answered, by outcome (approved, rejected or the refusal)."),
        .init(
            "checkout_duration_seconds", .histogram,
            "Seconds from a checkout request's arrival to the orchestrator's answer."),
        .init(
            "checkout_idempotency_keys", .gauge,
            "Idempotency keys the orchestrator remembers now (at most 50,000, each kept 10 minutes)."),
    ]

    static let queue: [MetricDefinition] = [
        .init("queue_depth", .gauge, "Orders waiting in the order queue now (leased orders excluded)."),
        .init("queue_leases_active", .gauge, "Orders leased to an executor and not yet acknowledged or released."),
        .init(
            "queue_overloaded_total", .counter, "Enqueues refused because the queue held its maximum of waiting orders."
        ),
        .init(
            "queue_leases_total", .counter,
            "Lease requests, by outcome (leased, renewed, empty, or fenced for a stale epoch)."),
        .init("queue_acks_total", .counter, "Acknowledgements of leased orders, by outcome (committed, stale, …)."),
        .init(
            "queue_lease_holds_total", .counter,
            "Lease requests the queue held as long polls, by how the hold ended (leased, empty, fenced)."),
        .init(
            "queue_lease_holds_refused_total", .counter,
            "Long-poll lease requests answered at once because the bound on held requests was reached."),
        .init("queue_releases_total", .counter, "Leased orders an executor gave back for another to take."),
        .init("queue_lease_expirations_total", .counter, "Leases that ran out before their executor acknowledged."),
        .init(
            "queue_lease_revocations_total", .counter,
            "Leases revoked because a leader of a newer epoch asked for work (the old leader is fenced)."),
        .init(
            "queue_log_failures_total", .counter,
            "Write-ahead log failures (after one the queue refuses every request until restarted)."),
    ]

    static let executor: [MetricDefinition] = [
        .init("executor_is_leader", .gauge, "1 while this executor is the elected leader, else 0."),
        .init("executor_epoch_term", .gauge, "The term of the newest epoch (leader generation) this executor knows."),
        .init("executor_elections_started_total", .counter, "Bully elections this executor started."),
        .init("executor_leader_changes_total", .counter, "Leaders this executor has seen elected (itself included)."),
        .init(
            "executor_heartbeat_timeouts_total", .counter,
            "Times this executor stopped hearing the leader's heartbeats and suspected it dead."),
        .init("executor_orders_committed_total", .counter, "Orders this executor executed and the queue confirmed."),
        .init(
            "executor_bully_dropped_total", .counter,
            "Election messages refused: from an unknown replica or with an epoch out of range."),
        .init("executor_leader_probes_total", .counter, "Probes (status calls) of a suspected leader this follower sent."),
        .init(
            "executor_leader_probe_results_total", .counter,
            "Probes of a suspected leader by outcome (answered, refused, timed_out)."),
        .init(
            "executor_leader_watches_total", .counter,
            "Watches of the leader that ended, by outcome (answered, broken: connection closed, failed)."),
    ]

    static let fraud: [MetricDefinition] = [
        .init("fraud_assessments_total", .counter, "Fraud assessments, by outcome (fraudulent or clean)."),
        .init("fraud_score", .histogram, "The fraud model's score of each assessed order (0 clean … 1 fraudulent)."),
    ]

    static let liveExport: [MetricDefinition] = [
        .init("otlp_spans_exported_total", .counter, "Spans the live OTLP exporter delivered to the collector."),
        .init(
            "otlp_spans_dropped_total", .counter,
            "Spans the live OTLP exporter dropped, by reason (inbox_full, open_spans_full, export_failed)."),
        .init("otlp_export_requests_total", .counter, "OTLP export requests to the collector, by outcome (ok, failed)."),
    ]
}
