import Checkout
import ClusterProtocol
import CoreMetrics
import Election
import Foundation
import Logging
import OrderQueueCore
import QueueStore
import RPC
import Synchronization
import TraceFormat

/// The Order Queue: approved orders (as card-free `OrderTicket`s) in priority order, handed to the leader
/// executor under fenced leases (see `LeasedOrderQueue`). The pure queue lives behind a lock; this shell adds
/// time, validation, traces and the write-ahead log: with a `QueueStore`, every change is logged and no reply
/// leaves before its records are on disk (group commit).
public final class QueueService: Sendable {
    /// What the queue needs from the cluster's configuration.
    public struct Settings: Sendable {
        public var leaseDuration: Duration
        /// Configured executor replica ids: the only ids (and epoch leaders) `lease`/`ack`/`release` accept.
        public var replicas: [Int]
        /// Slots per leader (`executorConcurrency`).
        public var slots: Int
        public var maxWaiting: Int
        public var snapshotEveryRecords: Int
        /// Lease requests held at once (long polls); beyond, a request is answered at once. Nil: one per slot of
        /// every replica.
        public var maxHeldLeases: Int?

        public init(
            leaseDuration: Duration = .seconds(2), replicas: [Int] = [1, 2, 3], slots: Int = 8,
            maxWaiting: Int = 10_000, snapshotEveryRecords: Int = 50_000, maxHeldLeases: Int? = nil
        ) {
            self.leaseDuration = leaseDuration
            self.replicas = replicas
            self.slots = slots
            self.maxWaiting = maxWaiting
            self.snapshotEveryRecords = snapshotEveryRecords
            self.maxHeldLeases = maxHeldLeases
        }

        /// The bound on held lease requests.
        var heldLeaseLimit: Int { maxHeldLeases ?? replicas.count * max(1, slots) }

        /// The settings `config` describes.
        public init(config: ClusterConfig) {
            self.init(
                leaseDuration: .milliseconds(config.executors.leaseMs), replicas: config.executors.replicas.map(\.id),
                slots: max(1, config.executors.executorConcurrency), maxWaiting: max(1, config.queueStore.maxWaiting),
                snapshotEveryRecords: max(1, config.queueStore.snapshotEveryRecords))
        }
    }

    let policy: PriorityPolicy
    let settings: Settings
    let validation: QueueRequestValidation
    /// A plain mutex (`LockedState`): every enqueue, lease and ack takes it.
    let state: LockedState<LeasedOrderQueue>
    let store: QueueStore?
    let recorder: TraceRecorder
    let logger: Logger
    let wallClock: @Sendable () -> Int64
    let monotonic: @Sendable () -> UInt64
    let metrics: RPCMetrics
    let stopped = Mutex(false)
    /// Lease requests held until an order waits (long polls).
    let waiters: LeaseWaiters
    /// The request path's metrics, made once (see `CachedMetric`).
    let depthGauge: CachedMetric<Gauge>
    let activeLeasesGauge: CachedMetric<Gauge>
    let leaseOutcomes: CachedCounters
    let leaseHolds: CachedCounters
    let ackOutcomes: CachedCounters

    /// A queue over `recovered` (an empty one by default); with `store`, every change is logged durably.
    public init(
        policy: PriorityPolicy, settings: Settings = Settings(), store: QueueStore? = nil,
        recovered: LeasedOrderQueue? = nil, metrics: RPCMetrics = .disabled,
        recorder: TraceRecorder = TraceRecorder(node: "queue", writer: nil),
        logger: Logger = Logger(label: "queue") { _ in SwiftLogNoOpLogHandler() },
        wallClock: @escaping @Sendable () -> Int64 = TraceRecorder.systemWallClock,
        monotonic: @escaping @Sendable () -> UInt64 = MonotonicClock.nanos
    ) {
        self.policy = policy
        self.settings = settings
        self.validation = QueueRequestValidation(replicas: Set(settings.replicas), slots: settings.slots)
        let nanos = UInt64(clamping: settings.leaseDuration.wholeMilliseconds) &* 1_000_000
        self.state = LockedState(recovered ?? LeasedOrderQueue(leaseDuration: nanos, journaling: store != nil))
        self.store = store
        self.recorder = recorder
        self.logger = logger
        self.wallClock = wallClock
        self.monotonic = monotonic
        self.metrics = metrics
        self.waiters = LeaseWaiters(limit: settings.heldLeaseLimit)
        depthGauge = CachedMetric { metrics.gauge("queue_depth") }
        activeLeasesGauge = CachedMetric { metrics.gauge("queue_leases_active") }
        leaseOutcomes = CachedCounters(metrics, "queue_leases_total", dimension: "outcome")
        leaseHolds = CachedCounters(metrics, "queue_lease_holds_total", dimension: "outcome")
        ackOutcomes = CachedCounters(metrics, "queue_acks_total", dimension: "outcome")
    }

    /// Orders waiting now.
    public var depth: Int { state.withLock { $0.depth } }

    /// Lease requests held now (long polls).
    public var heldLeaseRequests: Int { waiters.count }

    /// The write-ahead log's counters (records, batches: one `fsync` each), nil for a queue in memory only.
    public var logStatistics: QueueStore.Statistics? { store?.statistics }

    /// The state (for tests and tools).
    public var snapshot: QueueSnapshot { state.withLock { Self.snapshot(of: $0) } }

    static func snapshot(of queue: LeasedOrderQueue) -> QueueSnapshot {
        QueueSnapshot(
            waiting: queue.waiting.snapshot(), leases: queue.leases.values.map(\.lease).sorted { $0.id < $1.id },
            commits: queue.commits.values.sorted { $0.orderId < $1.orderId }, highestEpoch: queue.highestEpoch)
    }

    /// Stops cleanly: refuses further requests, records `queue.stopped` with the orders still waiting, and
    /// closes the log (everything acknowledged is already on disk). Idempotent.
    public func close() {
        waiters.stop()
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        let waiting = state.withLock { queue in queue.waiting.snapshot().map(\.orderId) }
        store?.close()
        recorder.record(QueueStopped(waiting: waiting.count, orders: waiting, durable: store != nil))
        logger.info("queue stopped", metadata: ["waiting": "\(waiting.count)", "durable": "\(store != nil)"])
    }

    /// The clean stop begins: held lease requests are answered `empty` at once and no request is held from now on.
    /// Call it before stopping the server (which waits for the requests in flight); `close` does it too.
    public func beginStop() {
        waiters.stop()
    }

    /// Runs `body` on the queue under the lock, logs the records it produced and waits until they are durable.
    /// The trace records `body` makes through its `PendingTrace` are written once the change is durable, in the
    /// state's order, before this returns: a trace never shows a change the log could lose. Returns the body's
    /// result with the depth and lease count after it.
    func mutate<T>(
        context: RequestContext, _ body: (inout LeasedOrderQueue, inout PendingTrace) throws -> T
    ) throws -> (result: T, depth: Int, leases: Int) {
        guard !stopped.withLock({ $0 }) else { throw RPCError(.unavailable, "the order queue is stopping") }
        let (result, ticket, depth, leases, epoch) = try state.withLock { queue in
            var trace = PendingTrace(context)
            let result = try body(&queue, &trace)
            var ticket: UInt64?
            if let store {
                // Even a change with nothing to log waits for what it read to be durable.
                let records = queue.takeJournal()
                let (logTicket, snapshotDue) = try logged {
                    try store.append(records, then: trace.effects, snapshotEvery: settings.snapshotEveryRecords)
                }
                ticket = logTicket
                if snapshotDue { store.snapshot(queue) }
            } else {
                trace.recordNow()
            }
            return (result, ticket, queue.depth, queue.leases.count, queue.highestEpoch)
        }
        if let ticket, let store { try logged { try store.waitDurable(ticket) } }
        // Durable now: held lease requests may look again (orders wait, or an epoch they hold is fenced).
        waiters.changed(depth: depth, highestEpoch: epoch)
        depthGauge.metric.record(depth)
        activeLeasesGauge.metric.record(leases)
        return (result, depth, leases)
    }

    /// Turns a log failure into an `unavailable` refusal (logged with its cause). The change that failed to log is
    /// already in memory, so from then on the queue refuses everything (fail-stop): it never answers from state its
    /// log does not hold; a restart recovers from the log.
    private func logged<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            stopped.withLock { $0 = true }
            waiters.stop()
            logger.critical(
                "the queue's write-ahead log failed; refusing all requests", metadata: ["cause": "\(error)"])
            metrics.counter("queue_log_failures_total").increment()
            throw RPCError(.unavailable, "the order queue cannot write its log")
        }
    }
}
