import Election

/// One step of the Order Queue's history, as its write-ahead log stores it.
///
/// Every change of `LeasedOrderQueue` is made by applying records (`LeasedOrderQueue.apply(_:)`), so the records
/// an operation produced, replayed in order on an empty queue, rebuild the same state. Time-only changes (a lease
/// renewed to a later deadline) are not records: leases do not survive a restart anyway.
public enum QueueRecord: Sendable, Equatable {
    /// An approved order was stored, with its priority and arrival sequence.
    case enqueued(QueuedOrder)
    /// An order was handed to an executor under `Lease` (it leaves the waiting orders).
    case leased(Lease)
    /// An order was committed: it is done, and its id is refused from now on.
    case committed(Commit)
    /// A lease ended without a commit (expired, revoked, released or dropped at recovery): its order waits again.
    case returned(orderId: String, leaseID: UInt64, reason: ReturnReason)
    /// The queue saw a newer epoch (the fencing token).
    case epoch(Epoch)
    /// Counters a snapshot restores: the sequence of the next new order and the id of the next lease.
    case counters(nextSequence: UInt64, nextLeaseID: UInt64)
    /// How often a waiting order was delivered before (a snapshot restores it, so redeliveries count on).
    case deliveries(orderId: String, count: Int)

    /// Why a lease ended without a commit.
    public enum ReturnReason: UInt8, Sendable, Equatable, CaseIterable {
        case expired = 1
        case revoked = 2
        case released = 3
        /// The queue restarted: leases of the old process are void.
        case recovered = 4
    }
}

/// A compact, comparable picture of the queue's durable state (deadlines left out), for recovery checks.
public struct QueueImage: Sendable, Equatable {
    public var waiting: [QueuedOrder]
    public var leases: [LeaseImage]
    public var commits: [Commit]
    public var highestEpoch: Epoch
    public var nextSequence: UInt64
    public var nextLeaseID: UInt64
    public var deliveries: [String: Int]

    /// A lease without its times.
    public struct LeaseImage: Sendable, Equatable {
        public var id: UInt64
        public var orderId: String
        public var executor: Int
        public var epoch: Epoch
        public var slot: Int
        public var delivery: Int
    }
}
