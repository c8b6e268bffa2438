import Election

/// Each executor replica's methods (`ExecutorNode`; callers: the other replicas, tools).
public enum ExecutorRPC {
    /// An election message from another replica.
    public static let bully = RPCMethod<BullyEnvelope, NoPayload>("bully")
    /// What the replica believes now: role, epoch, leader, orders committed.
    public static let status = RPCMethod<NoPayload, ExecutorStatus>("status")
    /// A follower's watch of its leader: held until the replica stops leading the epoch or the hold ends.
    public static let watch = RPCMethod<LeaderWatchRequest, ExecutorStatus>("watch")
}

/// `executor.bully` params: an election message between executors.
public struct BullyEnvelope: Codable, Sendable, Equatable {
    public var from: Int
    public var message: BullyMessage

    public init(from: Int, message: BullyMessage) {
        self.from = from
        self.message = message
    }
}

/// An executor's part in the election, as `executor.status` reports it: `leader`, `follower`, `candidate` or
/// `awaitingCoordinator` on the wire.
public typealias ExecutorRole = BullyElection.Role

/// `executor.status` result: what an executor believes right now.
public struct ExecutorStatus: Codable, Sendable, Equatable {
    public var id: Int
    public var node: String
    public var pid: Int32
    public var role: ExecutorRole
    public var epoch: Epoch?
    public var leader: Int?
    /// Orders this process executed and the queue committed.
    public var committed: Int
    /// The run directory this executor traces into (so tools can restart it into the same run).
    public var tracesDirectory: String?

    public init(
        id: Int, node: String, pid: Int32, role: ExecutorRole, epoch: Epoch?, leader: Int?, committed: Int,
        tracesDirectory: String?
    ) {
        self.id = id
        self.node = node
        self.pid = pid
        self.role = role
        self.epoch = epoch
        self.leader = leader
        self.committed = committed
        self.tracesDirectory = tracesDirectory
    }
}
