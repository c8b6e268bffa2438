import Election
import TraceModel

/// A lease that ended without a commit, as the queue recorded it: its order went back to the queue.
public struct LeaseEnd: Sendable, Equatable {
    public var order: String
    public var executor: Int?
    public var epoch: Epoch?
    public var lease: UInt64?

    public init(order: String, executor: Int?, epoch: Epoch?, lease: UInt64?) {
        self.order = order
        self.executor = executor
        self.epoch = epoch
        self.lease = lease
    }

    func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["order": .string(order)]
        data.put("executor", executor)
        data.put("epoch", epoch)
        data.put("lease", lease)
        return data
    }

    init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            order: try fields.order(), executor: try fields.executorID("executor"), epoch: try fields.epoch("epoch"),
            lease: try fields.leaseID())
    }
}

/// A lease ran out (`queue.lease.expired`).
public struct QueueLeaseExpired: TraceEventPayload {
    public static let kind = EventKind.queueLeaseExpired
    public var end: LeaseEnd

    public init(_ end: LeaseEnd) { self.end = end }
    public func encoded() -> [String: TraceValue] { end.encoded() }
    public init(decoding fields: PayloadFields) throws(PayloadError) { end = try LeaseEnd(decoding: fields) }
}

/// A stopping leader gave a lease back (`queue.lease.released`).
public struct QueueLeaseReleased: TraceEventPayload {
    public static let kind = EventKind.queueLeaseReleased
    public var end: LeaseEnd

    public init(_ end: LeaseEnd) { self.end = end }
    public func encoded() -> [String: TraceValue] { end.encoded() }
    public init(decoding fields: PayloadFields) throws(PayloadError) { end = try LeaseEnd(decoding: fields) }
}

/// A newer epoch revoked an older lease (`queue.lease.revoked`).
public struct QueueLeaseRevoked: TraceEventPayload {
    public static let kind = EventKind.queueLeaseRevoked
    public var end: LeaseEnd
    /// The newer epoch.
    public var by: Epoch?

    public init(_ end: LeaseEnd, by: Epoch?) {
        self.end = end
        self.by = by
    }

    public func encoded() -> [String: TraceValue] {
        var data = end.encoded()
        data.put("by", by)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(try LeaseEnd(decoding: fields), by: try fields.epoch("by"))
    }
}
