import Checkout

/// One order waiting in the queue.
///
/// Serving order: higher `priority` first; among equal priorities, the lower `enqueueSequence` (earlier
/// arrival) first; `orderId` settles the only remaining case, two orders restored with the same sequence.
public struct QueuedOrder: Codable, Sendable, Equatable {
    public var orderId: String
    public var priority: OrderPriority
    /// Arrival number given by the queue; kept when the order is requeued, so it returns to its place.
    public var enqueueSequence: UInt64
    /// The caller's clock at first enqueue (nanoseconds), for waiting-time metrics.
    public var enqueuedAtNanos: Int64
    /// What the executors need of the order (no card data).
    public var ticket: OrderTicket

    public init(
        orderId: String, priority: OrderPriority, enqueueSequence: UInt64, enqueuedAtNanos: Int64,
        ticket: OrderTicket
    ) {
        self.orderId = orderId
        self.priority = priority
        self.enqueueSequence = enqueueSequence
        self.enqueuedAtNanos = enqueuedAtNanos
        self.ticket = ticket
    }

    /// True when `self` is to be served before `other`.
    public func isServed(before other: QueuedOrder) -> Bool {
        if priority != other.priority { return priority > other.priority }
        if enqueueSequence != other.enqueueSequence { return enqueueSequence < other.enqueueSequence }
        return orderId < other.orderId
    }
}

/// What `PriorityOrderQueue.enqueue` did.
public enum EnqueueOutcome: Sendable, Equatable {
    /// Stored; `position` is how many queued orders are served before it (0 = next).
    case enqueued(QueuedOrder, position: Int)
    /// An order with this id is already queued: nothing changed; this is the stored one.
    case duplicate(QueuedOrder)

    /// The order now in the queue under that id.
    public var queuedOrder: QueuedOrder {
        switch self {
        case .enqueued(let order, _), .duplicate(let order): order
        }
    }

    public var isDuplicate: Bool {
        if case .duplicate = self { return true }
        return false
    }
}
