import Election
import OrderQueueCore

/// `queue.lease` result: an order under a lease, nothing to do, or a refusal naming the newer epoch.
///
/// On the wire the case is named by `outcome` and only that case's fields follow:
/// `{"outcome":"leased","lease":{…},"order":{…},"renewed":false,"depth":2}`, `{"outcome":"empty","depth":0}`,
/// `{"outcome":"fenced","fencedBy":{"term":4,"leader":3}}`. A reply whose fields do not fit its outcome is refused
/// when decoded.
public enum LeaseReply: Sendable, Equatable {
    /// `order` is leased under `lease`; `renewed` when it is a lease the executor already held (a repeated
    /// request); `depth` orders still wait after it.
    case leased(Lease, order: QueuedOrder, renewed: Bool, depth: Int)
    /// Nothing waits (`depth` is what still waits, normally 0: every waiting order may be leased to other slots).
    case empty(depth: Int)
    /// The request's epoch is stale: `by` is the epoch the queue has seen.
    case fenced(by: Epoch)

    /// The wire name of each case.
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        case leased, empty, fenced
    }

    /// The case's wire name.
    public var outcome: Outcome {
        switch self {
        case .leased: .leased
        case .empty: .empty
        case .fenced: .fenced
        }
    }

    /// The reply to a `LeasedOrderQueue.dequeue` outcome, with the queue's depth after it.
    public init(_ outcome: LeasedOrderQueue.DequeueOutcome, depth: Int) {
        switch outcome {
        case .leased(let lease, let order, let renewed):
            self = .leased(lease, order: order, renewed: renewed, depth: depth)
        case .empty:
            self = .empty(depth: depth)
        case .fenced(let current):
            self = .fenced(by: current)
        }
    }
}

extension LeaseReply: Codable {
    private enum CodingKeys: String, CodingKey {
        case outcome, lease, order, renewed, depth, fencedBy
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Outcome.self, forKey: .outcome) {
        case .leased:
            self = .leased(
                try container.decode(Lease.self, forKey: .lease),
                order: try container.decode(QueuedOrder.self, forKey: .order),
                renewed: try container.decode(Bool.self, forKey: .renewed),
                depth: try container.decode(Int.self, forKey: .depth))
        case .empty:
            self = .empty(depth: try container.decode(Int.self, forKey: .depth))
        case .fenced:
            self = .fenced(by: try container.decode(Epoch.self, forKey: .fencedBy))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome, forKey: .outcome)
        switch self {
        case .leased(let lease, let order, let renewed, let depth):
            try container.encode(lease, forKey: .lease)
            try container.encode(order, forKey: .order)
            try container.encode(renewed, forKey: .renewed)
            try container.encode(depth, forKey: .depth)
        case .empty(let depth):
            try container.encode(depth, forKey: .depth)
        case .fenced(let epoch):
            try container.encode(epoch, forKey: .fencedBy)
        }
    }
}
