import Checkout

/// The Order Queue's waiting orders: a binary max-heap by `QueuedOrder.isServed(before:)` with an index by
/// order id.
///
/// The rule: `dequeue` returns the highest `OrderPriority`, first come first served among equals. Enqueue is
/// idempotent per order id while the order waits (a retried RPC stores nothing twice); an order that left the
/// queue (dequeued or removed) can be enqueued again, so remembering executed orders is the caller's job (the
/// lease layer). `requeue` puts a previously dequeued order back with its original sequence, ahead of later
/// arrivals of equal priority. Costs: dequeue, remove and requeue O(log n); enqueue O(log n + p), where p is the
/// number of distinct priorities waiting (it reports the new order's position from per-priority counts);
/// `position(of:)` for any order O(n); contains O(1); snapshot O(n log n). Pure value type: time is passed in, nothing is
/// read from clocks.
public struct PriorityOrderQueue: Sendable {
    /// Heap-ordered handles: `heap[0]` is served next; children of `i` are `2i+1` and `2i+2`. The heap moves
    /// only small integers; the orders stay where they were stored.
    var heap: [Int] = []
    /// By handle: the stored order (nil for a free handle), its serving key, and its index in `heap`.
    var orders: [QueuedOrder?] = []
    var keys: [ServingKey] = []
    var positions: [Int] = []
    var freeHandles: [Int] = []
    /// Order id → handle.
    var slots: [String: Int] = [:]
    /// How many orders wait at each priority (a priority with none has no entry).
    var waitingPerPriority: [OrderPriority: Int] = [:]
    /// The sequence the next new order will get (always above every sequence the queue has seen).
    public private(set) var nextSequence: UInt64 = 0

    /// What decides the serving order, kept apart from the order for cheap comparisons.
    struct ServingKey: Sendable {
        var priority: OrderPriority
        var sequence: UInt64
    }

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }

    /// The order `dequeue` would return, without removing it.
    public func peek() -> QueuedOrder? { heap.first.flatMap { orders[$0] } }

    public func contains(orderId: String) -> Bool { slots[orderId] != nil }

    /// The waiting order with this id.
    public func queuedOrder(id orderId: String) -> QueuedOrder? { slots[orderId].flatMap { orders[$0] } }

    /// Every waiting order, in no particular order (cheaper than `snapshot()`).
    public var unordered: [QueuedOrder] { heap.compactMap { orders[$0] } }

    /// How many waiting orders are served before `orderId` (0 = next), or nil when it is not queued.
    public func position(of orderId: String) -> Int? {
        guard let target = slots[orderId] else { return nil }
        return heap.reduce(0) { $0 + (isServed($1, before: target) ? 1 : 0) }
    }

    /// The position of `orderId` when it is the newest arrival (it holds the highest sequence, as an order just
    /// enqueued does): every order of a higher priority, and every other order of its own, is served before it.
    /// O(p) for p distinct waiting priorities, where `position(of:)` scans every waiting order.
    public func position(ofNewest orderId: String) -> Int? {
        guard let handle = slots[orderId] else { return nil }
        let priority = keys[handle].priority
        var ahead = (waitingPerPriority[priority] ?? 1) - 1
        for (other, count) in waitingPerPriority where other > priority { ahead += count }
        assert(ahead == position(of: orderId), "position(ofNewest:) called for an order that is not the newest")
        return ahead
    }

    /// Stores `ticket` under `orderId` with the next sequence, unless that id is already waiting.
    @discardableResult
    public mutating func enqueue(
        orderId: String, ticket: OrderTicket, priority: OrderPriority, nowNanos: Int64
    ) -> EnqueueOutcome {
        if let existing = queuedOrder(id: orderId) { return .duplicate(existing) }
        let queued = QueuedOrder(
            orderId: orderId, priority: priority, enqueueSequence: nextSequence, enqueuedAtNanos: nowNanos,
            ticket: ticket)
        nextSequence += 1
        insert(queued)
        return .enqueued(queued, position: position(ofNewest: orderId) ?? 0)
    }

    /// Removes and returns the order to serve next.
    public mutating func dequeue() -> QueuedOrder? {
        heap.isEmpty ? nil : removeAt(0)
    }

    /// Removes the waiting order `orderId` (a cancellation) and returns it.
    public mutating func remove(orderId: String) -> QueuedOrder? {
        slots[orderId].map { removeAt(positions[$0]) }
    }

    /// Puts back an order that left the queue, keeping its sequence (and so its place among equals). Returns
    /// false and changes nothing when an order with that id is already waiting.
    @discardableResult
    public mutating func requeue(_ order: QueuedOrder) -> Bool {
        guard !contains(orderId: order.orderId) else { return false }
        if order.enqueueSequence >= nextSequence {
            // An order from before a restart or another instance: later arrivals must still sort after it.
            nextSequence = order.enqueueSequence == .max ? .max : order.enqueueSequence + 1
        }
        insert(order)
        return true
    }

    /// Raises the sequence the next new order gets to at least `sequence` (restoring a snapshot).
    public mutating func raiseNextSequence(to sequence: UInt64) {
        nextSequence = max(nextSequence, sequence)
    }

    /// Every waiting order, in the order `dequeue` would return them.
    public func snapshot() -> [QueuedOrder] {
        heap.sorted { isServed($0, before: $1) }.compactMap { orders[$0] }
    }
}
