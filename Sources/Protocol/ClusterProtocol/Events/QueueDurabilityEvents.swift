import Election
import TraceModel

/// The queue replayed its write-ahead log at start (`queue.recovered`).
public struct QueueRecovered: TraceEventPayload {
    public static let kind = EventKind.queueRecovered
    public var records: Int?
    public var waiting: Int?
    public var committed: Int?
    public var revoked: Int?
    public var highestEpoch: Epoch?
    public var replayMs: Double?
    /// Damaged log tails cut.
    public var damaged: Int?
    /// The ids waiting after recovery.
    public var orders: [String]
    /// The orders of the newest commits replayed from the log, oldest first.
    public var recentCommits: [String]

    public init(
        records: Int?, waiting: Int?, committed: Int?, revoked: Int?, highestEpoch: Epoch?, replayMs: Double?,
        damaged: Int?, orders: [String], recentCommits: [String]
    ) {
        self.records = records
        self.waiting = waiting
        self.committed = committed
        self.revoked = revoked
        self.highestEpoch = highestEpoch
        self.replayMs = replayMs
        self.damaged = damaged
        self.orders = orders
        self.recentCommits = recentCommits
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("records", records)
        data.put("waiting", waiting)
        data.put("committed", committed)
        data.put("revoked", revoked)
        data.put("highest_epoch", highestEpoch)
        data.put("replay_ms", replayMs)
        data.put("damaged", damaged)
        data.put("orders", orders)
        data.put("recent_commits", recentCommits)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            records: try fields.count("records"), waiting: try fields.count("waiting"),
            committed: try fields.count("committed"), revoked: try fields.count("revoked"),
            highestEpoch: try fields.epoch("highest_epoch"), replayMs: try fields.double("replay_ms"),
            damaged: try fields.count("damaged"), orders: try fields.strings("orders") ?? [],
            recentCommits: try fields.strings("recent_commits") ?? [])
    }
}

/// The queue is stopping cleanly (`queue.stopped`).
public struct QueueStopped: TraceEventPayload {
    public static let kind = EventKind.queueStopped
    public var waiting: Int?
    /// The ids still waiting.
    public var orders: [String]
    /// The queue has a write-ahead log: the waiting orders survive.
    public var durable: Bool?

    public init(waiting: Int?, orders: [String], durable: Bool?) {
        self.waiting = waiting
        self.orders = orders
        self.durable = durable
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = [:]
        data.put("waiting", waiting)
        data.put("orders", orders)
        data.put("durable", durable)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            waiting: try fields.count("waiting"), orders: try fields.strings("orders") ?? [],
            durable: try fields.bool("durable"))
    }
}
