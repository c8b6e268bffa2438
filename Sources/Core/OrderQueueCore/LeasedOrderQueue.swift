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
    /// The executor's work slot (0 ..< its concurrency): one lease per executor, epoch and slot.
    public var slot: Int

    public init(
        id: UInt64, orderId: String, executor: Int, epoch: Epoch, grantedAtNanos: UInt64, deadlineNanos: UInt64,
        delivery: Int, slot: Int = 0
    ) {
        self.id = id
        self.orderId = orderId
        self.executor = executor
        self.epoch = epoch
        self.grantedAtNanos = grantedAtNanos
        self.deadlineNanos = deadlineNanos
        self.delivery = delivery
        self.slot = slot
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(UInt64.self, forKey: .id),
            orderId: try container.decode(String.self, forKey: .orderId),
            executor: try container.decode(Int.self, forKey: .executor),
            epoch: try container.decode(Epoch.self, forKey: .epoch),
            grantedAtNanos: try container.decode(UInt64.self, forKey: .grantedAtNanos),
            deadlineNanos: try container.decode(UInt64.self, forKey: .deadlineNanos),
            delivery: try container.decode(Int.self, forKey: .delivery),
            slot: try container.decodeIfPresent(Int.self, forKey: .slot) ?? 0)
    }
}

/// A committed order: who executed it, under which epoch and lease.
public struct Commit: Codable, Sendable, Hashable {
    public var orderId: String
    public var executor: Int
    public var epoch: Epoch
    public var leaseID: UInt64

    public init(orderId: String, executor: Int, epoch: Epoch, leaseID: UInt64) {
        self.orderId = orderId
        self.executor = executor
        self.epoch = epoch
        self.leaseID = leaseID
    }
}

/// The Order Queue with leases, acknowledgements and fencing, as a pure state machine.
///
/// - `dequeue(executor, epoch, slot)` hands out the highest-priority order under a lease with a deadline. The
///   leader works on several orders at once, one per slot; a repeated request for a slot that already holds a
///   lease gets the same lease back (renewed), so a dequeue whose reply was lost is repeated safely.
/// - `ack(order, executor, epoch, lease)` commits the order; an order is committed exactly once.
/// - `release(order, executor, epoch, lease)` gives a lease back unexecuted (a leader's clean stop).
/// - An expired lease puts its order back, keeping its place among equal priorities (redelivery).
/// - Fencing: a request whose epoch is lower than the highest seen is refused with the current epoch; a request
///   with a higher epoch revokes every lease of older epochs (their orders go back to the queue), so a paused
///   old leader that wakes up can neither take nor commit anything.
///
/// Every change is a `QueueRecord` applied by `apply(_:)`; with `journaling` on, the records are also kept in
/// `journal` for the shell to write to its log before it answers.
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

    public enum ReleaseOutcome: Sendable, Hashable {
        /// The order waits again, in its old place.
        case released(Lease)
        case fenced(current: Epoch)
        /// The lease had ended already (or the order was committed).
        case noLease
    }

    public internal(set) var waiting = PriorityOrderQueue()
    /// Active leases by order id.
    public internal(set) var leases: [String: (lease: Lease, order: QueuedOrder)] = [:]
    public internal(set) var commits: [String: Commit] = [:]
    public internal(set) var highestEpoch: Epoch = .none
    public let leaseDuration: UInt64
    /// Keep every applied record in `journal` (for a write-ahead log).
    public let journaling: Bool
    /// Records applied since the last `takeJournal()` (only with `journaling`).
    public internal(set) var journal: [QueueRecord] = []
    public internal(set) var nextLeaseID: UInt64 = 1
    var deliveries: [String: Int] = [:]

    /// - Parameters:
    ///   - leaseDuration: nanoseconds an executor may hold an order before it is redelivered.
    ///   - journaling: keep the records of every change for `takeJournal()`.
    public init(leaseDuration: UInt64 = 2_000_000_000, journaling: Bool = false) {
        self.leaseDuration = leaseDuration
        self.journaling = journaling
    }

    /// Orders waiting (not leased, not committed).
    public var depth: Int { waiting.count }

    /// The records applied since the last call, in order.
    public mutating func takeJournal() -> [QueueRecord] {
        defer { journal.removeAll(keepingCapacity: true) }
        return journal
    }

    /// Stores an approved order. Idempotent per order id: an order that waits, is leased or was committed
    /// is not stored again.
    public mutating func enqueue(
        orderId: String, ticket: OrderTicket, priority: OrderPriority, nowNanos: Int64
    ) -> EnqueueOutcome {
        if let leased = leases[orderId] { return .duplicate(leased.order) }
        if commits[orderId] != nil {
            return .duplicate(
                QueuedOrder(
                    orderId: orderId, priority: priority, enqueueSequence: 0, enqueuedAtNanos: nowNanos,
                    ticket: ticket))
        }
        if let existing = waiting.queuedOrder(id: orderId) { return .duplicate(existing) }
        let queued = QueuedOrder(
            orderId: orderId, priority: priority, enqueueSequence: waiting.nextSequence, enqueuedAtNanos: nowNanos,
            ticket: ticket)
        record(.enqueued(queued))
        return .enqueued(queued, position: waiting.position(ofNewest: orderId) ?? 0)
    }

    /// Stores the order `ticket` describes (its id is the ticket's).
    public mutating func enqueue(ticket: OrderTicket, priority: OrderPriority, nowNanos: Int64) -> EnqueueOutcome {
        enqueue(orderId: ticket.orderId, ticket: ticket, priority: priority, nowNanos: nowNanos)
    }

    /// The leader `executor` of `epoch` asks for work for its `slot`.
    public mutating func dequeue(
        executor: Int, epoch: Epoch, slot: Int = 0, now: UInt64
    ) -> (DequeueOutcome, [Event]) {
        var events = expire(now: now)
        if epoch < highestEpoch { return (.fenced(current: highestEpoch), events) }
        if epoch > highestEpoch { events += advance(to: epoch) }
        if let held = leases.values.first(where: {
            $0.lease.executor == executor && $0.lease.epoch == epoch && $0.lease.slot == slot
        }) {
            var lease = held.lease
            lease.deadlineNanos = now &+ leaseDuration
            leases[lease.orderId] = (lease, held.order)
            return (.leased(lease, held.order, renewed: true), events)
        }
        guard let order = waiting.peek() else { return (.empty, events) }
        let lease = Lease(
            id: nextLeaseID, orderId: order.orderId, executor: executor, epoch: epoch, grantedAtNanos: now,
            deadlineNanos: now &+ leaseDuration, delivery: deliveries[order.orderId, default: 0] &+ 1, slot: slot)
        record(.leased(lease))
        return (.leased(lease, order, renewed: false), events)
    }

    /// `executor` reports `orderId` done under `leaseID`.
    public mutating func ack(
        orderId: String, executor: Int, epoch: Epoch, leaseID: UInt64, now: UInt64
    ) -> (AckOutcome, [Event]) {
        var events = expire(now: now)
        // A repeated ack of the lease that committed the order is told so even when a newer epoch fenced its
        // sender since: the commit is a fact (its first answer may have been lost), and this creates nothing.
        if let commit = commits[orderId], commit.leaseID == leaseID, commit.executor == executor {
            return (.alreadyCommitted(commit), events)
        }
        if epoch < highestEpoch { return (.fenced(current: highestEpoch), events) }
        if epoch > highestEpoch { events += advance(to: epoch) }
        if let commit = commits[orderId] { return (.alreadyCommitted(commit), events) }
        guard let held = leases[orderId], held.lease.id == leaseID, held.lease.executor == executor else {
            return (.noLease, events)
        }
        let commit = Commit(orderId: orderId, executor: executor, epoch: epoch, leaseID: leaseID)
        record(.committed(commit))
        return (.committed(commit), events)
    }

    /// `executor` gives `orderId` back unexecuted (it stops cleanly): the order waits again in its old place.
    public mutating func release(
        orderId: String, executor: Int, epoch: Epoch, leaseID: UInt64, now: UInt64
    ) -> (ReleaseOutcome, [Event]) {
        var events = expire(now: now)
        if epoch < highestEpoch { return (.fenced(current: highestEpoch), events) }
        if epoch > highestEpoch { events += advance(to: epoch) }
        guard let held = leases[orderId], held.lease.id == leaseID, held.lease.executor == executor else {
            return (.noLease, events)
        }
        record(.returned(orderId: orderId, leaseID: leaseID, reason: .released))
        return (.released(held.lease), events)
    }

    /// Puts back every order whose lease ended before `now`.
    public mutating func expire(now: UInt64) -> [Event] {
        let ended = leases.values.filter { $0.lease.deadlineNanos <= now }.sorted { $0.lease.id < $1.lease.id }
        for held in ended {
            record(.returned(orderId: held.lease.orderId, leaseID: held.lease.id, reason: .expired))
        }
        return ended.map { .expired($0.lease) }
    }

    /// After a restart: every lease of the old process is void, its order waits again. Returns those leases.
    public mutating func revokeAllLeases() -> [Lease] {
        let held = leases.values.map(\.lease).sorted { $0.id < $1.id }
        for lease in held {
            record(.returned(orderId: lease.orderId, leaseID: lease.id, reason: .recovered))
        }
        return held
    }

    /// The earliest lease deadline (for the shell's timer).
    public var nextDeadline: UInt64? { leases.values.lazy.map(\.lease.deadlineNanos).min() }

    /// A newer epoch: leases of older epochs are revoked and their orders go back to the queue.
    private mutating func advance(to epoch: Epoch) -> [Event] {
        record(.epoch(epoch))
        let stale = leases.values.filter { $0.lease.epoch < epoch }.sorted { $0.lease.id < $1.lease.id }
        for held in stale {
            record(.returned(orderId: held.lease.orderId, leaseID: held.lease.id, reason: .revoked))
        }
        return stale.map { .revoked($0.lease, by: epoch) }
    }

    /// Applies `record` and keeps it in the journal.
    mutating func record(_ record: QueueRecord) {
        let applied = apply(record)
        assert(applied, "an operation's record fits the state it was made for")
        assert(invariantsHold(after: record), "leased order invariants")
        if journaling { journal.append(record) }
    }

    /// TigerBeetle-style invariants (checked with `assert`, so in debug builds only) of the order `record` touched:
    /// a leased order is neither waiting nor committed, and a committed order is neither waiting nor leased.
    func invariantsHold(after record: QueueRecord) -> Bool {
        switch record {
        case .leased(let lease):
            return !waiting.contains(orderId: lease.orderId) && commits[lease.orderId] == nil
                && leases[lease.orderId]?.lease.id == lease.id
        case .committed(let commit):
            return !waiting.contains(orderId: commit.orderId) && leases[commit.orderId] == nil
        case .enqueued, .returned, .epoch, .counters, .deliveries:
            return true
        }
    }
}
