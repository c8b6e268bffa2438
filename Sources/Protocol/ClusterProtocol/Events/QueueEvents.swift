import Election
import TraceModel

/// The queue stored an approved order, or knew its id already (`queue.enqueue`).
public struct QueueEnqueue: TraceEventPayload {
    public static let kind = EventKind.queueEnqueue
    public var order: String
    /// The priority, as text.
    public var priority: String?
    /// Orders waiting after it.
    public var depth: Int?
    /// The id was known: nothing was stored.
    public var duplicate: Bool?

    public init(order: String, priority: String?, depth: Int?, duplicate: Bool?) {
        self.order = order
        self.priority = priority
        self.depth = depth
        self.duplicate = duplicate
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["order": .string(order)]
        data.put("priority", priority)
        data.put("depth", depth)
        data.put("duplicate", duplicate)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            order: try fields.order(), priority: try fields.string("priority", maxBytes: 1024),
            depth: try fields.count("depth"), duplicate: try fields.bool("duplicate"))
    }
}

/// The queue leased an order to an executor (`queue.lease`).
public struct QueueLease: TraceEventPayload {
    public static let kind = EventKind.queueLease
    public var order: String
    public var executor: Int?
    /// The lease's epoch (written as `epoch` and `term`).
    public var epoch: Epoch?
    public var lease: UInt64?
    /// 1 for the first delivery of the order.
    public var delivery: Int?
    /// The executor's work slot.
    public var slot: Int?
    public var expiresInMs: Int64?
    /// The executor already held this lease: its deadline moved.
    public var renewed: Bool?
    public var depth: Int?

    public init(
        order: String, executor: Int?, epoch: Epoch?, lease: UInt64?, delivery: Int?, slot: Int?, expiresInMs: Int64?,
        renewed: Bool?, depth: Int?
    ) {
        self.order = order
        self.executor = executor
        self.epoch = epoch
        self.lease = lease
        self.delivery = delivery
        self.slot = slot
        self.expiresInMs = expiresInMs
        self.renewed = renewed
        self.depth = depth
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["order": .string(order)]
        data.put("executor", executor)
        data.put(epoch: epoch)
        data.put("lease", lease)
        data.put("delivery", delivery)
        data.put("slot", slot)
        data.put("expires_in_ms", expiresInMs)
        data.put("renewed", renewed)
        data.put("depth", depth)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            order: try fields.order(), executor: try fields.executorID("executor"), epoch: try fields.epoch("epoch"),
            lease: try fields.leaseID(), delivery: try fields.count("delivery"), slot: try fields.count("slot"),
            expiresInMs: try fields.integer("expires_in_ms", Int64.self, in: 0...Int64.max),
            renewed: try fields.bool("renewed"), depth: try fields.count("depth"))
    }
}

/// An ack as the queue recorded it: `queue.commit` (outcome `committed`) or `queue.ack.refused`.
public struct QueueAck: Sendable, Equatable {
    /// The `outcome` of a commit.
    public static let committed = "committed"

    public var order: String
    public var executor: Int?
    public var epoch: Epoch?
    public var lease: UInt64?
    /// `committed`, `already_committed`, `fenced` or `no_lease`.
    public var outcome: String?

    public init(order: String, executor: Int?, epoch: Epoch?, lease: UInt64?, outcome: String?) {
        self.order = order
        self.executor = executor
        self.epoch = epoch
        self.lease = lease
        self.outcome = outcome
    }

    func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["order": .string(order)]
        data.put("executor", executor)
        data.put(epoch: epoch)
        data.put("lease", lease)
        data.put("outcome", outcome)
        return data
    }

    init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            order: try fields.order(), executor: try fields.executorID("executor"), epoch: try fields.epoch("epoch"),
            lease: try fields.leaseID(), outcome: try fields.string("outcome", maxBytes: 64))
    }
}

/// The queue committed an order (`queue.commit`).
public struct QueueCommit: TraceEventPayload {
    public static let kind = EventKind.queueCommit
    public var ack: QueueAck

    public init(_ ack: QueueAck) { self.ack = ack }
    public func encoded() -> [String: TraceValue] { ack.encoded() }
    public init(decoding fields: PayloadFields) throws(PayloadError) { ack = try QueueAck(decoding: fields) }
}

/// The queue refused an ack (`queue.ack.refused`): outcome `fenced`, `no_lease` or `already_committed`.
public struct QueueAckRefused: TraceEventPayload {
    public static let kind = EventKind.queueAckRefused
    public var ack: QueueAck

    public init(_ ack: QueueAck) { self.ack = ack }
    public func encoded() -> [String: TraceValue] { ack.encoded() }
    public init(decoding fields: PayloadFields) throws(PayloadError) { ack = try QueueAck(decoding: fields) }
}

/// A request with a stale epoch was refused (`queue.fenced`).
public struct QueueFenced: TraceEventPayload {
    public static let kind = EventKind.queueFenced
    /// `lease` or `release`.
    public var operation: String?
    public var executor: Int?
    /// The stale epoch.
    public var epoch: Epoch?
    /// The queue's epoch.
    public var current: Epoch?

    public init(operation: String?, executor: Int?, epoch: Epoch?, current: Epoch?) {
        self.operation = operation
        self.executor = executor
        self.epoch = epoch
        self.current = current
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("operation", operation)
        data.put("executor", executor)
        data.put("epoch", epoch)
        data.put("current", current)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            operation: try fields.string("operation", maxBytes: 64), executor: try fields.executorID("executor"),
            epoch: try fields.epoch("epoch"), current: try fields.epoch("current"))
    }
}

/// The queue refused an order because `max` orders wait (`queue.overloaded`).
public struct QueueOverloaded: TraceEventPayload {
    public static let kind = EventKind.queueOverloaded
    public var order: String
    public var depth: Int?
    public var max: Int?

    public init(order: String, depth: Int?, max: Int?) {
        self.order = order
        self.depth = depth
        self.max = max
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["order": .string(order)]
        data.put("depth", depth)
        data.put("max", max)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(order: try fields.order(), depth: try fields.count("depth"), max: try fields.count("max"))
    }
}
