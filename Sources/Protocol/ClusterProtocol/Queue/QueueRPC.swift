import Checkout
import Election
import OrderQueueCore

/// The Order Queue's methods (`QueueService`; callers: the orchestrator, the executors' leader, tools).
public enum QueueRPC {
    /// Stores an approved order (idempotent by order id).
    public static let enqueue = RPCMethod<OrderTicket, EnqueueReply>("enqueue")
    /// Stores several checkouts' approved orders in one log batch, each item in its order's trace (the orchestrator's
    /// `enqueueBatch`, like the leaf services' batched methods). Admitted whole or refused whole: when the new orders
    /// do not all fit under the queue's bound, none is stored (`overloaded`), as each would be refused alone once the
    /// queue is full. Results in the items' order, each what `enqueue` of that ticket would answer.
    public static let enqueueBatch = RPCMethod<BatchParams<OrderTicket>, BatchResults<EnqueueReply>>("enqueueBatch")
    /// The leader asks for an order for one of its slots, with its epoch as the fencing token.
    public static let lease = RPCMethod<LeaseRequest, LeaseReply>("lease")
    /// The leader executed a leased order: commit it; with `AckRequest.next`, also lease the slot's next order in
    /// the same log batch and reply (`AckAndLeaseReply.next`). A reply without `next` (an older queue, or a
    /// request without one) leaves the slot to lease with `lease`.
    public static let ack = RPCMethod<AckRequest, AckAndLeaseReply>("ack")
    /// The leader gives a leased order back unexecuted (clean stop).
    public static let release = RPCMethod<AckRequest, AckReply>("release")
    /// The queue's state: waiting orders, leases, commits, highest epoch.
    public static let inspect = RPCMethod<NoPayload, QueueSnapshot>("inspect")
}

/// `queue.lease` params: the leader asks for work for one of its slots.
public struct LeaseRequest: Codable, Sendable, Equatable {
    public var executor: Int
    public var epoch: Epoch
    /// The leader's work slot (0 ..< executorConcurrency); one lease per executor, epoch and slot.
    public var slot: Int
    /// A long poll: when nothing waits, the queue may hold the request up to this many milliseconds
    /// (0…`QueueBounds.maxLeaseWaitMs`, and never past the request's own deadline) and answers as soon as an order
    /// can be leased, the epoch is fenced, or the queue stops. Absent (or 0): the queue answers at once.
    public var waitMs: Int?
    /// A batch lease, only as an ack's `AckRequest.next`: the slot takes up to this many orders
    /// (1…`QueueBounds.maxLeaseBatch`), one lease each, answered in `AckAndLeaseReply.next` and `.moreLeases`. A
    /// plain `lease` call answers one order. Absent (an older executor): one order; an older queue ignores it.
    public var batch: Int?

    public init(executor: Int, epoch: Epoch, slot: Int = 0, waitMs: Int? = nil, batch: Int? = nil) {
        self.executor = executor
        self.epoch = epoch
        self.slot = slot
        self.waitMs = waitMs
        self.batch = batch
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            executor: try container.decode(Int.self, forKey: .executor),
            epoch: try container.decode(Epoch.self, forKey: .epoch),
            slot: try container.decodeIfPresent(Int.self, forKey: .slot) ?? 0,
            waitMs: try container.decodeIfPresent(Int.self, forKey: .waitMs),
            batch: try container.decodeIfPresent(Int.self, forKey: .batch))
    }
}

/// `queue.ack` and `queue.release` params: the leader finished an order, or gives it back.
public struct AckRequest: Codable, Sendable, Equatable {
    public var orderId: String
    public var executor: Int
    public var epoch: Epoch
    public var leaseId: UInt64
    /// `ack` only: the slot's next lease request, carried out after the ack in the same log batch and answered in
    /// the same reply (`AckAndLeaseReply.next`). Its `executor` must be the ack's; the queue answers it at once
    /// (a `waitMs` is validated but not held). A repeat of the request (a lost reply) is answered like the first:
    /// the ack `already_committed`, the lease `renewed`. Absent: a plain ack (older executors; `release` ignores it).
    public var next: LeaseRequest?
    /// `ack` only: further orders of the same executor and epoch acknowledged in the same call and log batch (a
    /// slot's batch lease), after `orderId` and in this order, at most `QueueBounds.maxLeaseBatch - 1`; answered in
    /// `AckAndLeaseReply.more`. Absent: one order (older executors; an older queue ignores it and its reply has no
    /// `more`, which the executor takes as no answer for those orders).
    public var more: [AckItem]?

    public init(
        orderId: String, executor: Int, epoch: Epoch, leaseId: UInt64, next: LeaseRequest? = nil,
        more: [AckItem]? = nil
    ) {
        self.orderId = orderId
        self.executor = executor
        self.epoch = epoch
        self.leaseId = leaseId
        self.next = next
        self.more = more
    }
}

/// `queue.inspect` result: the queue's state (tickets only: no card data ever reaches the queue).
public struct QueueSnapshot: Codable, Sendable, Equatable {
    public var waiting: [QueuedOrder]
    public var leases: [Lease]
    public var commits: [Commit]
    public var highestEpoch: Epoch

    public init(waiting: [QueuedOrder], leases: [Lease], commits: [Commit], highestEpoch: Epoch) {
        self.waiting = waiting
        self.leases = leases
        self.commits = commits
        self.highestEpoch = highestEpoch
    }
}
