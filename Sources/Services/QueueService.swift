import Checkout
import Election
import Foundation
import OrderQueueCore
import RPC
import TraceFormat

/// `enqueue` result.
public struct EnqueueReply: Codable, Sendable, Equatable {
    /// False when the order id was already known (enqueue is idempotent).
    public var stored: Bool
    /// 0-based position in dequeue order (-1 for a duplicate).
    public var position: Int
    public var depth: Int
}

/// `lease` params: the leader asks for work.
public struct LeaseRequest: Codable, Sendable {
    public var executor: Int
    public var epoch: Epoch
    public init(executor: Int, epoch: Epoch) {
        self.executor = executor
        self.epoch = epoch
    }
}

/// `lease` result: an order under a lease, nothing to do, or a refusal naming the newer epoch.
public struct LeaseReply: Codable, Sendable {
    public var lease: Lease?
    public var order: QueuedOrder?
    /// Set when the request's epoch is stale: the epoch the queue has seen.
    public var fencedBy: Epoch?
    /// True when this is a lease the executor already held (a repeated request).
    public var renewed: Bool
    public var depth: Int
}

/// `ack` params: the leader finished an order.
public struct AckRequest: Codable, Sendable {
    public var orderId: String
    public var executor: Int
    public var epoch: Epoch
    public var leaseId: UInt64
    public init(orderId: String, executor: Int, epoch: Epoch, leaseId: UInt64) {
        self.orderId = orderId
        self.executor = executor
        self.epoch = epoch
        self.leaseId = leaseId
    }
}

/// `ack` result.
public struct AckReply: Codable, Sendable, Equatable {
    /// `committed`, `already_committed`, `fenced` or `no_lease`.
    public var outcome: String
    public var commit: Commit?
    public var fencedBy: Epoch?
}

/// `inspect` result: the queue's state.
public struct QueueSnapshot: Codable, Sendable {
    public var waiting: [QueuedOrder]
    public var leases: [Lease]
    public var commits: [Commit]
    public var highestEpoch: Epoch
}

/// The Order Queue: approved orders in priority order, handed to the leader executor under leases with
/// fencing (see `LeasedOrderQueue`). The pure queue lives behind a lock; this shell adds time and traces.
public final class QueueService: Sendable {
    private let policy: PriorityPolicy
    private let state: QueueState
    private let wallClock: @Sendable () -> Int64
    private let monotonic: @Sendable () -> UInt64
    private let metrics: RPCMetrics

    public init(
        policy: PriorityPolicy, leaseDuration: Duration = .seconds(2), metrics: RPCMetrics = .disabled,
        wallClock: @escaping @Sendable () -> Int64 = TraceRecorder.systemWallClock,
        monotonic: @escaping @Sendable () -> UInt64 = MonotonicClock.nanos
    ) {
        self.policy = policy
        self.state = QueueState(LeasedOrderQueue(leaseDuration: UInt64(leaseDuration.wholeMilliseconds) * 1_000_000))
        self.wallClock = wallClock
        self.monotonic = monotonic
        self.metrics = metrics
    }

    /// Publishes the queue's depth and active leases.
    private func publish(depth: Int, leases: Int) {
        metrics.gauge("queue_depth").record(depth)
        metrics.gauge("queue_leases_active").record(leases)
    }

    public func register(into router: inout Router) {
        router.register("enqueue", OrderTicket.self) { [self] request, context in
            guard !request.orderId.isEmpty else { throw RPCError(.invalidParams, "orderId must not be empty") }
            // The queue gets a card-free ticket; the in-memory queue still keeps the CheckoutRequest shape.
            let order = CheckoutRequest(
                items: request.items, shippingMethod: request.shippingMethod,
                shippingAddress: request.country.map { CheckoutRequest.Address(country: $0) })
            let priority = policy.priority(for: order)
            let now = wallClock()
            let (outcome, depth, leases) = state.withLock { queue in
                (
                    queue.enqueue(orderId: request.orderId, order: order, priority: priority, nowNanos: now),
                    queue.depth, queue.leases.count
                )
            }
            publish(depth: depth, leases: leases)
            var reply = EnqueueReply(stored: false, position: -1, depth: depth)
            if case .enqueued(_, let position) = outcome {
                reply = EnqueueReply(stored: true, position: position, depth: depth)
            }
            context.record(
                .queueEnqueue,
                data: [
                    "order": .string(request.orderId), "priority": .string("\(priority)"),
                    "depth": .int(Int64(depth)), "duplicate": .bool(!reply.stored),
                ])
            return reply
        }
        router.register("lease", LeaseRequest.self) { [self] request, context in
            let now = monotonic()
            let (outcome, events, depth, leases) = state.withLock { queue in
                let (outcome, events) = queue.dequeue(executor: request.executor, epoch: request.epoch, now: now)
                return (outcome, events, queue.depth, queue.leases.count)
            }
            record(events, context: context)
            publish(depth: depth, leases: leases)
            switch outcome {
            case .leased(let lease, let order, let renewed):
                metrics.counter("queue_leases_total", [("outcome", renewed ? "renewed" : "leased")]).increment()
                context.recorder.record(
                    .queueLease, context: context.trace,
                    data: Self.leaseData(lease, now: now).merging(
                        ["renewed": .bool(renewed), "depth": .int(Int64(depth))], uniquingKeysWith: { $1 }))
                return LeaseReply(lease: lease, order: order, fencedBy: nil, renewed: renewed, depth: depth)
            case .empty:
                metrics.counter("queue_leases_total", [("outcome", "empty")]).increment()
                return LeaseReply(lease: nil, order: nil, fencedBy: nil, renewed: false, depth: depth)
            case .fenced(let current):
                metrics.counter("queue_leases_total", [("outcome", "fenced")]).increment()
                context.record(
                    .queueFenced,
                    data: [
                        "operation": "lease", "executor": .int(Int64(request.executor)),
                        "epoch": .string("\(request.epoch)"), "current": .string("\(current)"),
                    ])
                return LeaseReply(lease: nil, order: nil, fencedBy: current, renewed: false, depth: depth)
            }
        }
        router.register("ack", AckRequest.self) { [self] request, context in
            let now = monotonic()
            let (outcome, events, depth, leases) = state.withLock { queue in
                let (outcome, events) = queue.ack(
                    orderId: request.orderId, executor: request.executor, epoch: request.epoch,
                    leaseID: request.leaseId, now: now)
                return (outcome, events, queue.depth, queue.leases.count)
            }
            record(events, context: context)
            publish(depth: depth, leases: leases)
            let reply: AckReply
            switch outcome {
            case .committed(let commit): reply = AckReply(outcome: "committed", commit: commit)
            case .alreadyCommitted(let commit): reply = AckReply(outcome: "already_committed", commit: commit)
            case .fenced(let current): reply = AckReply(outcome: "fenced", fencedBy: current)
            case .noLease: reply = AckReply(outcome: "no_lease")
            }
            metrics.counter("queue_acks_total", [("outcome", reply.outcome)]).increment()
            context.record(
                reply.outcome == "committed" ? .queueCommit : .queueAckRefused,
                data: [
                    "order": .string(request.orderId), "executor": .int(Int64(request.executor)),
                    "epoch": .string("\(request.epoch)"), "term": .int(Int64(request.epoch.term)),
                    "lease": .int(Int64(request.leaseId)), "outcome": .string(reply.outcome),
                ])
            return reply
        }
        router.register("inspect", Empty.self) { [self] _, _ in
            state.withLock { queue in
                QueueSnapshot(
                    waiting: queue.waiting.snapshot(),
                    leases: queue.leases.values.map(\.lease).sorted { $0.id < $1.id },
                    commits: queue.commits.values.sorted { $0.orderId < $1.orderId }, highestEpoch: queue.highestEpoch)
            }
        }
    }

    /// Orders waiting now.
    public var depth: Int { state.withLock { $0.depth } }

    private func record(_ events: [LeasedOrderQueue.Event], context: RequestContext) {
        for event in events {
            switch event {
            case .expired:
                metrics.counter("queue_lease_expirations_total").increment()
                context.record(.queueLeaseExpired, data: Self.eventData(event))
            case .revoked:
                metrics.counter("queue_lease_revocations_total").increment()
                context.record(.queueLeaseRevoked, data: Self.eventData(event))
            }
        }
    }

    static func leaseData(_ lease: Lease, now: UInt64) -> [String: TraceValue] {
        [
            "order": .string(lease.orderId), "executor": .int(Int64(lease.executor)),
            "epoch": .string("\(lease.epoch)"), "term": .int(Int64(lease.epoch.term)), "lease": .int(Int64(lease.id)),
            "delivery": .int(Int64(lease.delivery)),
            "expires_in_ms": .int(Int64(lease.deadlineNanos &- now) / 1_000_000),
        ]
    }

    static func eventData(_ event: LeasedOrderQueue.Event) -> [String: TraceValue] {
        switch event {
        case .expired(let lease):
            return [
                "order": .string(lease.orderId), "executor": .int(Int64(lease.executor)),
                "epoch": .string("\(lease.epoch)"), "lease": .int(Int64(lease.id)),
            ]
        case .revoked(let lease, let epoch):
            return [
                "order": .string(lease.orderId), "executor": .int(Int64(lease.executor)),
                "epoch": .string("\(lease.epoch)"), "lease": .int(Int64(lease.id)), "by": .string("\(epoch)"),
            ]
        }
    }
}

private final class QueueState: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: LeasedOrderQueue

    init(_ queue: LeasedOrderQueue) { self.queue = queue }

    func withLock<T>(_ body: (inout LeasedOrderQueue) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&queue)
    }
}
