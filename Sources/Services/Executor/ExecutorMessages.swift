import Election

/// `bully` params: an election message between executors.
public struct BullyEnvelope: Codable, Sendable {
    public var from: Int
    public var message: BullyMessage
    public init(from: Int, message: BullyMessage) {
        self.from = from
        self.message = message
    }
}

/// `status` result: what an executor believes right now.
public struct ExecutorStatus: Codable, Sendable, Equatable {
    public var id: Int
    public var node: String
    public var pid: Int32
    /// `leader`, `follower`, `candidate` or `awaitingCoordinator`.
    public var role: String
    public var epoch: Epoch?
    public var leader: Int?
    /// Orders this process executed and the queue committed.
    public var committed: Int
    /// The run directory this executor traces into (so tools can restart it into the same run).
    public var tracesDirectory: String?
}
