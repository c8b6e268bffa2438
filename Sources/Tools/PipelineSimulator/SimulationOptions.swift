/// What one simulated run does: its seed, its size and the faults it injects. Everything else is drawn from the
/// seed, so a seed replays the same run exactly.
public struct SimulationOptions: Sendable {
    /// The one source of every random choice of the run.
    public var seed: UInt64
    /// Orders the orchestrator enqueues (at random times during the fault phase).
    public var orders: Int
    /// Nanoseconds of simulated time with faults; after it every fault heals and the run drains.
    public var faultPhaseNanos: UInt64
    /// How long the healed run may take to commit every order before it counts as stuck.
    public var settleLimitNanos: UInt64
    /// The faults to inject.
    public var faults: FaultOptions
    /// A known bug to inject (to prove the checks can fail).
    public var bug: InjectedBug
    /// How long an executor processes one order.
    public var processingNanos: UInt64 = 10_000_000

    public init(
        seed: UInt64, orders: Int = 12, faultPhaseNanos: UInt64 = 4_000_000_000,
        settleLimitNanos: UInt64 = 30_000_000_000, faults: FaultOptions = .all, bug: InjectedBug = .none
    ) {
        self.seed = seed
        self.orders = orders
        self.faultPhaseNanos = faultPhaseNanos
        self.settleLimitNanos = settleLimitNanos
        self.faults = faults
        self.bug = bug
    }
}

/// Which faults a run may inject (each run draws how many and when from its seed).
public struct FaultOptions: Sendable, Hashable {
    /// Messages take 0.1–2 ms, sometimes up to `maximumDelayNanos`.
    public var delays = true
    public var maximumDelayNanos: UInt64 = 40_000_000
    /// Requests are lost (the caller's deadline fires).
    public var drops = true
    /// Replies are lost after the server acted (the caller's deadline fires), e.g. an ack's after the commit.
    public var replyDrops = true
    /// Replies now and then take up to `maximumReplyDelayNanos`, past most callers' deadlines.
    public var lateReplies = true
    public var maximumReplyDelayNanos: UInt64 = 1_000_000_000
    /// Requests are sent twice (a client retry with a new message id).
    public var duplicates = true
    /// A node is cut off from the others for a while (requests to and from it fail).
    public var partitions = true
    /// Executors crash and restart (remembering the highest epoch they named).
    public var crashes = true
    /// Executors stop for a while (like SIGSTOP) and go on where they were.
    public var pauses = true
    /// The queue crashes and restarts, replaying its durable record log.
    public var queueRestarts = true

    public init() {}

    /// Every fault.
    public static let all = FaultOptions()

    /// No fault at all (a healthy network and no crash).
    public static var none: FaultOptions {
        var options = FaultOptions()
        options.delays = false
        options.drops = false
        options.replyDrops = false
        options.lateReplies = false
        options.duplicates = false
        options.partitions = false
        options.crashes = false
        options.pauses = false
        options.queueRestarts = false
        return options
    }
}

/// A bug the simulator can inject on purpose, to show that the checks catch it.
public enum InjectedBug: String, Sendable, Hashable, CaseIterable {
    case none
    /// The queue takes every request's epoch as current: a deposed leader keeps leasing and committing.
    case queueIgnoresFencing
    /// A restarted queue loses the last records of its log (commits and leases it had acknowledged).
    case queueLosesLogTail
}
