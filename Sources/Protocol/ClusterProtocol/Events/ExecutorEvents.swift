import Election
import TraceModel

/// The leader took an order (`executor.dequeue`).
public struct ExecutorDequeue: TraceEventPayload {
    public static let kind = EventKind.executorDequeue
    public var order: String
    /// The lease's epoch (written as `epoch` and `term`).
    public var epoch: Epoch?
    public var lease: UInt64?
    public var delivery: Int?
    public var slot: Int?
    /// The trace and span of the queue's `lease` call that handed the lease out (`lease_trace`, `lease_span`),
    /// when the executor learnt them from the reply: the consumer span's link to its lease.
    public var leaseTrace: String?
    public var leaseSpan: String?

    public init(
        order: String, epoch: Epoch?, lease: UInt64?, delivery: Int?, slot: Int?, leaseTrace: String? = nil,
        leaseSpan: String? = nil
    ) {
        self.order = order
        self.epoch = epoch
        self.lease = lease
        self.delivery = delivery
        self.slot = slot
        self.leaseTrace = leaseTrace
        self.leaseSpan = leaseSpan
    }

    public func encoded() -> [String: TraceValue] {
        var data = [String: TraceValue].lease(order: order, epoch: epoch, lease: lease)
        data.put("delivery", delivery)
        data.put("slot", slot)
        data.put("lease_trace", leaseTrace)
        data.put("lease_span", leaseSpan)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            order: try fields.order(), epoch: try fields.epoch("epoch"), lease: try fields.leaseID(),
            delivery: try fields.count("delivery"), slot: try fields.count("slot"),
            leaseTrace: try fields.string("lease_trace", maxBytes: 32),
            leaseSpan: try fields.string("lease_span", maxBytes: 16))
    }
}

/// The leader executed an order and the queue answered its ack (`executor.commit`).
public struct ExecutorCommit: TraceEventPayload {
    public static let kind = EventKind.executorCommit
    public var order: String
    public var epoch: Epoch?
    public var lease: UInt64?
    /// The queue's answer to the ack (`committed`, …).
    public var outcome: String?

    public init(order: String, epoch: Epoch?, lease: UInt64?, outcome: String?) {
        self.order = order
        self.epoch = epoch
        self.lease = lease
        self.outcome = outcome
    }

    /// True when the queue committed the order on this ack.
    public var committed: Bool { outcome == QueueAck.committed }

    /// The outcome an executor records when none of its acks of the lease got an answer and it stopped retrying:
    /// the queue may have committed the order (a lost reply) or not (its lease expires and it is delivered again).
    public static let unanswered = "unanswered"

    /// True when no ack of the lease got an answer (see `unanswered`).
    public var isUnanswered: Bool { outcome == Self.unanswered }

    public func encoded() -> [String: TraceValue] {
        var data = [String: TraceValue].lease(order: order, epoch: epoch, lease: lease)
        data.put("outcome", outcome)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            order: try fields.order(), epoch: try fields.epoch("epoch"), lease: try fields.leaseID(),
            outcome: try fields.string("outcome", maxBytes: 64))
    }
}
