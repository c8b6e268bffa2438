import Checkout
import Election

/// A lease: one executor may work on one order until `deadlineNanos`, under the epoch it dequeued with.
public struct Lease: Codable, Sendable, Hashable {
    public var id: UInt64
    public var orderId: String
    public var executor: Int
    public var epoch: Epoch
    public var grantedAtNanos: UInt64
    public var deadlineNanos: UInt64
    /// 1 for the first delivery of the order, 2 after one expiry or revocation, …
    public var delivery: Int
}

/// A committed order: who executed it, under which epoch and lease.
public struct Commit: Codable, Sendable, Hashable {
    public var orderId: String
    public var executor: Int
    public var epoch: Epoch
    public var leaseID: UInt64
}

/// The Order Queue with leases, acknowledgements and fencing, as a pure state machine.
///
/// - `dequeue(executor, epoch)` hands out the highest-priority order under a lease with a deadline; an executor
///   that already holds a lease gets the same one back (renewed): the leader processes one order at a time, and
///   a dequeue whose reply was lost is repeated safely.
/// - `ack(order, executor, epoch, lease)` commits the order; an order is committed exactly once.
/// - An expired lease puts its order back, keeping its place among equal priorities (redelivery).
/// - Fencing: a request whose epoch is lower than the highest seen is refused with the current epoch; a request
///   with a higher epoch revokes every lease of older epochs (their orders go back to the queue), so a paused
///   old leader that wakes up can neither take nor commit anything.
public struct LeasedOrderQueue: Sendable {
    /// Something that happened besides the direct answer, for traces and logs.
    public enum Event: Sendable, Hashable {
        case expired(Lease)
        case revoked(Lease, by: Epoch)
    }

    public enum DequeueOutcome: Sendable, Equatable {
        case leased(Lease, QueuedOrder, renewed: Bool)
        case empty
        case fenced(current: Epoch)
    }

    public enum AckOutcome: Sendable, Hashable {
        case committed(Commit)
        /// The order had been committed already (a repeated ack of the same lease is answered this way too).
        case alreadyCommitted(Commit)
        case fenced(current: Epoch)
        /// The lease is gone: it expired or was revoked, and the order was (or will be) delivered again.
        case noLease
    }

    public private(set) var waiting = PriorityOrderQueue()
    /// Active leases by order id.
    public private(set) var leases: [String: (lease: Lease, order: QueuedOrder)] = [:]
    public private(set) var commits: [String: Commit] = [:]
    public private(set) var highestEpoch: Epoch = .none
    public let leaseDuration: UInt64
    private var nextLeaseID: UInt64 = 1
    private var deliveries: [String: Int] = [:]

    /// - Parameter leaseDuration: nanoseconds an executor may hold an order before it is redelivered.
    public init(leaseDuration: UInt64 = 2_000_000_000) {
        self.leaseDuration = leaseDuration
    }

    /// Orders waiting (not leased, not committed).
    public var depth: Int { waiting.count }

    /// Stores an approved order. Idempotent per order id: an order that waits, is leased or was committed
    /// is not stored again.
    public mutating func enqueue(
        orderId: String, order: CheckoutRequest, priority: OrderPriority, nowNanos: Int64
    ) -> EnqueueOutcome {
        if let leased = leases[orderId] { return .duplicate(leased.order) }
        if commits[orderId] != nil {
            return .duplicate(
                QueuedOrder(
                    orderId: orderId, priority: priority, enqueueSequence: 0, enqueuedAtNanos: nowNanos, order: order))
        }
        return waiting.enqueue(orderId: orderId, order: order, priority: priority, nowNanos: nowNanos)
    }

    /// The leader `executor` of `epoch` asks for work.
    public mutating func dequeue(executor: Int, epoch: Epoch, now: UInt64) -> (DequeueOutcome, [Event]) {
        var events = expire(now: now)
        if epoch < highestEpoch { return (.fenced(current: highestEpoch), events) }
        if epoch > highestEpoch { events += advance(to: epoch) }
        if let held = leases.values.first(where: { $0.lease.executor == executor && $0.lease.epoch == epoch }) {
            var lease = held.lease
            lease.deadlineNanos = now + leaseDuration
            leases[lease.orderId] = (lease, held.order)
            return (.leased(lease, held.order, renewed: true), events)
        }
        guard let order = waiting.dequeue() else { return (.empty, events) }
        let delivery = deliveries[order.orderId, default: 0] + 1
        deliveries[order.orderId] = delivery
        let lease = Lease(
            id: nextLeaseID, orderId: order.orderId, executor: executor, epoch: epoch, grantedAtNanos: now,
            deadlineNanos: now + leaseDuration, delivery: delivery)
        nextLeaseID += 1
        leases[order.orderId] = (lease, order)
        return (.leased(lease, order, renewed: false), events)
    }

    /// `executor` reports `orderId` done under `leaseID`.
    public mutating func ack(
        orderId: String, executor: Int, epoch: Epoch, leaseID: UInt64, now: UInt64
    )
        -> (AckOutcome, [Event])
    {
        var events = expire(now: now)
        if epoch < highestEpoch { return (.fenced(current: highestEpoch), events) }
        if epoch > highestEpoch { events += advance(to: epoch) }
        if let commit = commits[orderId] { return (.alreadyCommitted(commit), events) }
        guard let held = leases[orderId], held.lease.id == leaseID, held.lease.executor == executor else {
            return (.noLease, events)
        }
        leases[orderId] = nil
        deliveries[orderId] = nil
        let commit = Commit(orderId: orderId, executor: executor, epoch: epoch, leaseID: leaseID)
        commits[orderId] = commit
        return (.committed(commit), events)
    }

    /// Puts back every order whose lease ended before `now`.
    public mutating func expire(now: UInt64) -> [Event] {
        let ended = leases.values.filter { $0.lease.deadlineNanos <= now }.sorted { $0.lease.id < $1.lease.id }
        for held in ended {
            leases[held.lease.orderId] = nil
            waiting.requeue(held.order)
        }
        return ended.map { .expired($0.lease) }
    }

    /// The earliest lease deadline (for the shell's timer).
    public var nextDeadline: UInt64? { leases.values.map(\.lease.deadlineNanos).min() }

    /// A newer epoch: leases of older epochs are revoked and their orders go back to the queue.
    private mutating func advance(to epoch: Epoch) -> [Event] {
        highestEpoch = epoch
        let stale = leases.values.filter { $0.lease.epoch < epoch }.sorted { $0.lease.id < $1.lease.id }
        for held in stale {
            leases[held.lease.orderId] = nil
            waiting.requeue(held.order)
        }
        return stale.map { .revoked($0.lease, by: epoch) }
    }
}
