import ClusterProtocol
import Election
import OrderQueueCore

/// Timing and size of the work loop (nanoseconds).
public struct WorkSettings: Sendable, Hashable {
    /// Orders the leader works on at once (one lease per slot).
    public var slots: Int
    /// How often slot 0 asks for work when there is none and the queue did not hold the request (a failed call,
    /// a queue that answers at once).
    public var pollNanos: UInt64
    /// Long polls: how long the queue may hold a slot's lease request while nothing waits (`LeaseRequest.waitMs`,
    /// whole milliseconds). An empty answer after such a wait is followed by the next request at once; 0: no long
    /// polls (every slot waits out its idle timer after an empty answer).
    public var longPollNanos: UInt64
    /// How long processing one order takes.
    public var processingNanos: UInt64
    /// How long a clean stop waits for orders in flight before giving them back.
    public var drainNanos: UInt64
    /// Polls an idle slot other than 0 waits before asking again (unless woken).
    public var idlePolls: Int
    /// Acks sent at most for one order (the first and its retries) when calls fail.
    public var ackAttempts: Int
    /// The wait before the first ack retry; it doubles for each further retry (at most 8 times this).
    public var ackBackoffNanos: UInt64
    /// An order's ack carries its slot's next lease request (`ackAndLease`): the queue commits and leases in one
    /// call. Off: the slot leases with a call of its own after the ack's answer.
    public var ackCarriesLease: Bool
    /// Orders a slot takes at once with the lease its ack carries (`LeaseRequest.batch`, at most
    /// `QueueBounds.maxLeaseBatch`): it processes them together (each for `processingNanos`) and acknowledges them
    /// in one call. The leader works on up to `slots` × `leaseBatch` orders at once. 1: one order per slot.
    public var leaseBatch: Int

    public init(
        slots: Int, pollNanos: UInt64, processingNanos: UInt64, drainNanos: UInt64, idlePolls: Int = 20,
        ackAttempts: Int = 4, ackBackoffNanos: UInt64 = 50_000_000,
        longPollNanos: UInt64 = WorkSettings.defaultLongPollNanos, ackCarriesLease: Bool = false, leaseBatch: Int = 1
    ) {
        self.slots = slots
        self.pollNanos = pollNanos
        self.longPollNanos = longPollNanos
        self.processingNanos = processingNanos
        self.drainNanos = drainNanos
        self.idlePolls = idlePolls
        self.ackAttempts = ackAttempts
        self.ackBackoffNanos = ackBackoffNanos
        self.ackCarriesLease = ackCarriesLease
        self.leaseBatch = max(1, leaseBatch)
    }

    /// The queue holds an idle slot's lease request up to one second.
    public static let defaultLongPollNanos: UInt64 = 1_000_000_000

    /// `longPollNanos` in whole milliseconds for `LeaseRequest.waitMs` (nil: no long poll).
    public var longPollMilliseconds: Int? {
        let ms = longPollNanos / 1_000_000
        return ms > 0 ? Int(min(ms, UInt64(QueueBounds.maxLeaseWaitMs))) : nil
    }

    /// The wait before sending ack number `attempt + 1` after `attempt` failed ones.
    public func ackBackoff(after attempt: Int) -> UInt64 {
        ackBackoffNanos &* (1 << UInt64(min(max(attempt - 1, 0), 3)))
    }
}

/// An order a slot holds under a lease, with the epoch it was leased under.
public struct HeldOrder: Sendable, Hashable {
    public var lease: Lease
    public var order: QueuedOrder
    public var epoch: Epoch

    public init(lease: Lease, order: QueuedOrder, epoch: Epoch) {
        self.lease = lease
        self.order = order
        self.epoch = epoch
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(lease)
        hasher.combine(order.orderId)
        hasher.combine(epoch)
    }
}

/// What one slot is doing.
public enum WorkSlot: Sendable, Hashable {
    /// Not in the work loop.
    case off
    /// Waiting for the answer to lease call `WorkCall` made under `epoch`.
    case leasing(WorkCall, epoch: Epoch)
    /// Nothing to lease: waiting for its idle timer or a wakeup.
    case idle
    /// Processing the orders of one lease reply (one, or a batch lease's; never none).
    case processing([HeldOrder])
    /// Waiting for the answer to ack number `attempt` (from 1) of the slot's orders (one call for all).
    case acking([HeldOrder], WorkCall, attempt: Int)
    /// The ack's call failed after `attempt` acks: waiting to send it again (the queue answers a repeated ack of a
    /// lease it committed `already_committed` with that lease).
    case ackBackoff([HeldOrder], attempt: Int)
    /// Giving a lease back (clean stop).
    case releasing(WorkCall)
}

/// One call to the queue, named so its answer finds its slot (answers to calls the machine forgot are ignored).
public struct WorkCall: Sendable, Hashable {
    public var id: UInt64
    public var slot: Int
    public init(id: UInt64, slot: Int) {
        self.id = id
        self.slot = slot
    }
}

/// The timers of the work loop.
public enum WorkTimer: Sendable, Hashable {
    /// An idle slot asks again.
    case idle(slot: Int)
    /// A slot finished processing its order.
    case processing(slot: Int)
    /// A slot sends its order's ack again.
    case ackRetry(slot: Int)
    /// A clean stop stops waiting for orders in flight.
    case drainDeadline
}

extension AckRequest {
    /// The params that acknowledge or give back `held` for `executor`.
    public init(_ held: HeldOrder, executor: Int) {
        self.init(orderId: held.order.orderId, executor: executor, epoch: held.epoch, leaseId: held.lease.id)
    }

    /// The params that acknowledge a slot's orders `held` (not empty, one epoch) in one call: the first, the others
    /// in `more` (nil for one order: the plain ack older queues read).
    public init(_ held: [HeldOrder], executor: Int) {
        self.init(held[0], executor: executor)
        if held.count > 1 {
            more = held.dropFirst().map { AckItem(orderId: $0.order.orderId, leaseId: $0.lease.id) }
        }
    }
}

/// The queue's answer to a lease call.
public enum LeaseAnswer: Sendable, Equatable {
    /// An order under a lease; `depth` orders still wait.
    case leased(Lease, QueuedOrder, depth: Int)
    /// Nothing waits.
    case empty
    /// The request's epoch is stale: the queue has seen `by`.
    case fenced(by: Epoch)

    /// The answer a queue's `lease` reply carries.
    public init(_ reply: LeaseReply) {
        switch reply {
        case .leased(let lease, let order, _, let depth): self = .leased(lease, order, depth: depth)
        case .empty: self = .empty
        case .fenced(let epoch): self = .fenced(by: epoch)
        }
    }
}

/// The queue's answer to an ack or release call.
public struct AckAnswer: Sendable, Hashable {
    public var outcome: AckOutcome
    /// Set with `fenced`: the newer epoch the queue has seen.
    public var fencedBy: Epoch?
    /// Set with `already_committed`: the lease the order was committed under.
    public var committedLease: UInt64?

    public init(outcome: AckOutcome, fencedBy: Epoch? = nil, committedLease: UInt64? = nil) {
        self.outcome = outcome
        self.fencedBy = fencedBy
        self.committedLease = committedLease
    }

    /// The answer a queue's `ack` or `release` reply carries.
    public init(_ reply: AckReply) {
        switch reply {
        case .committed(let commit): self.init(outcome: .committed, committedLease: commit.leaseID)
        case .alreadyCommitted(let commit): self.init(outcome: .alreadyCommitted, committedLease: commit.leaseID)
        case .released: self.init(outcome: .released)
        case .fenced(let epoch): self.init(outcome: .fenced, fencedBy: epoch)
        case .noLease: self.init(outcome: .noLease)
        }
    }
}

/// What happened in the work loop, for the trace.
public enum WorkEvent: Sendable, Hashable {
    /// A slot took an order (`executor.dequeue`).
    case dequeued(HeldOrder)
    /// The queue answered an order's ack (`executor.commit`).
    case acknowledged(HeldOrder, outcome: AckOutcome)
    /// The slot gave up acknowledging an order after `attempts` acks got no answer (`executor.commit` with outcome
    /// `unanswered`): the queue may have committed it; if not, its lease expires and it is delivered again.
    case ackUnanswered(HeldOrder, attempts: Int, reason: AckGiveUp)
}

/// Why a slot stopped retrying an ack.
public enum AckGiveUp: String, Sendable, Hashable {
    /// Every attempt of `WorkSettings.ackAttempts` failed.
    case attemptsExhausted = "attempts exhausted"
    /// The next retry would come after the lease may have expired.
    case leaseMayHaveExpired = "the lease may have expired"
    /// The node no longer leads the epoch the order was leased under.
    case leadershipLost = "leadership lost"
    /// The clean stop's deadline passed.
    case drainDeadline = "drain deadline passed"
    /// The queue answered the ack call without an answer for this order (an older queue that ignores
    /// `AckRequest.more`).
    case notAnswered = "the queue's reply did not answer it"
}

/// What the shell must do after an input of the work loop.
public enum WorkDirective: Sendable, Equatable {
    /// Call the queue's `lease`; answer with `onLeaseReply` or `onLeaseFailed`.
    case lease(WorkCall, LeaseRequest)
    /// Call the queue's `ack` for the orders held (params: `AckRequest(held, executor:)`: the first, the others
    /// in `more`); answer with `onAckReply` or `onAckFailed`.
    case ack(WorkCall, [HeldOrder])
    /// Call the queue's `ack` for the orders held with `next` as the request's `AckRequest.next` (the slot's next
    /// lease, answered at once); answer with `onAckReply` (with the reply's lease part, nil when it has none) or
    /// `onAckFailed`.
    case ackAndLease(WorkCall, [HeldOrder], next: LeaseRequest)
    /// Call the queue's `release` for each order held; answer with `onReleaseDone` once all calls ended.
    case release(WorkCall, [HeldOrder])
    /// (Re)arm `timer` for `deadline`, replacing an earlier one.
    case setTimer(WorkTimer, deadline: UInt64)
    /// Disarm `timer`.
    case cancelTimer(WorkTimer)
    /// Record `event` in the trace.
    case record(WorkEvent)
    /// The queue named a newer epoch: the election must learn it.
    case fenced(by: Epoch)
    /// The clean stop is complete.
    case drained
}
