import Election
import OrderQueueCore

/// `queue.enqueue` result: stored, or already known (enqueue is idempotent by order id).
///
/// On the wire (the spelling of the earlier struct): `{"stored":true,"position":0,"depth":3}`, and for a known id
/// `{"stored":false,"position":-1,"depth":3}`. A stored reply with a negative position is refused when decoded.
public enum EnqueueReply: Sendable, Equatable {
    /// Stored: `position` orders are served before it (0 = next); `depth` orders wait now.
    case stored(position: Int, depth: Int)
    /// The order id was already known (waiting, leased or committed): nothing changed.
    case duplicate(depth: Int)

    /// True when this call stored the order.
    public var isStored: Bool {
        if case .stored = self { return true }
        return false
    }

    /// Orders waiting after the call.
    public var depth: Int {
        switch self {
        case .stored(_, let depth), .duplicate(let depth): depth
        }
    }
}

extension EnqueueReply: Codable {
    private enum CodingKeys: String, CodingKey {
        case stored, position, depth
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let depth = try container.decode(Int.self, forKey: .depth)
        guard try container.decode(Bool.self, forKey: .stored) else {
            self = .duplicate(depth: depth)
            return
        }
        let position = try container.decode(Int.self, forKey: .position)
        guard position >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .position, in: container, debugDescription: "a stored order has a position of 0 or more")
        }
        self = .stored(position: position, depth: depth)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .stored(let position, let depth):
            try container.encode(true, forKey: .stored)
            try container.encode(position, forKey: .position)
            try container.encode(depth, forKey: .depth)
        case .duplicate(let depth):
            try container.encode(false, forKey: .stored)
            try container.encode(-1, forKey: .position)
            try container.encode(depth, forKey: .depth)
        }
    }
}

/// `queue.lease` params: the leader asks for work for one of its slots.
public struct LeaseRequest: Codable, Sendable, Equatable {
    public var executor: Int
    public var epoch: Epoch
    /// The leader's work slot (0 ..< executorConcurrency); one lease per executor, epoch and slot.
    public var slot: Int

    public init(executor: Int, epoch: Epoch, slot: Int = 0) {
        self.executor = executor
        self.epoch = epoch
        self.slot = slot
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            executor: try container.decode(Int.self, forKey: .executor),
            epoch: try container.decode(Epoch.self, forKey: .epoch),
            slot: try container.decodeIfPresent(Int.self, forKey: .slot) ?? 0)
    }
}

/// `queue.ack` and `queue.release` params: the leader finished an order, or gives it back.
public struct AckRequest: Codable, Sendable, Equatable {
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
