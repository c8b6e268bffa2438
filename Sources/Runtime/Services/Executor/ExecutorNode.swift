import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import Foundation
import Logging
import OrderQueueCore
import RPC
import Synchronization
import TraceFormat

/// An executor replica: the IO shell around the pure `ExecutorInstance` (the Bully election and the leader's work
/// loop). It carries out the instance's directives: election messages over JSON-RPC through one send queue and
/// thread per peer, queue calls (`lease`, `ack`, `release`) made blocking on its own threads, timers as one
/// sleeping task each (`ExecutorNode+Timers.swift`), trace events through its recorder.
public actor ExecutorNode {
    public let id: Int
    public let settings: ExecutorSettings
    public let tracesDirectory: String?
    let recorder: TraceRecorder
    let logger: Logger
    let queue: RPCClient
    let monotonic: @Sendable () -> UInt64
    let metrics: RPCMetrics
    var instance: ExecutorInstance
    /// The armed timers, each carried by one sleeping task (`ExecutorNode+Timers.swift`).
    var timers: [ExecutorTimer: NodeTimer] = [:]
    var nextSleeper: UInt64 = 0
    /// The timer whose step runs now, inside its sleeper (a re-arm in that step keeps the sleeper).
    var firing: (timer: ExecutorTimer, sleeper: UInt64)?
    /// The threads that make the queue calls (`lease`, `ack`, `release`) blocking and hand the outcome back.
    let queueCalls: CallThreads
    /// The queue's span of each lease call that handed out a lease, by lease id, until its `executor.dequeue` is
    /// recorded (bounded by `ExecutorNode.maximumLeaseSpans`).
    var leaseSpans: [UInt64: TraceContext] = [:]
    /// One send queue per peer, drained by one thread each that makes the blocking call itself.
    let outboxes: [Int: CallThreads]
    /// The client of each peer (the one its send queue uses), also for probing and watching the leader.
    let peerClients: [Int: RPCClient]
    /// The probe of a suspected leader under way (at most one; a newer one replaces it).
    var probeTask: Task<Void, Never>?
    /// The watch of the leader under way (at most one; a newer one replaces it).
    var watchTask: Task<Void, Never>?
    /// The peers' watches of this replica that its server holds while it leads.
    let watchers = LeaderWatchers()
    /// Election messages handed over by server threads with the time they arrived, consumed in order by one owned
    /// task (the wait between the two is local health evidence for the failure detector).
    private let inbox: AsyncStream<(BullyMessage, Int, UInt64)>.Continuation
    private let inboxStream: AsyncStream<(BullyMessage, Int, UInt64)>
    private var receiver: Task<Void, Never>?
    /// A copy of the election at its configuration, for validating messages on a server thread.
    private let validator: BullyElection
    /// What `status` answers, published after every step.
    private let published: Mutex<ExecutorStatus>
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    var stopped = false

    public init(
        id: Int, settings: ExecutorSettings, queue: ClusterConfig.Endpoint, host: ServiceHost,
        tracesDirectory: String?, remembered: Epoch = .none,
        monotonic: @escaping @Sendable () -> UInt64 = MonotonicClock.nanos
    ) {
        self.id = id
        self.settings = settings
        self.tracesDirectory = tracesDirectory
        self.recorder = host.recorder
        self.logger = host.logger
        self.monotonic = monotonic
        self.metrics = host.metrics
        let deadline = Duration.milliseconds(settings.messageDeadlineMs)
        self.queue = host.client(for: queue, deadline: .milliseconds(max(200, settings.leaseMs / 2)))
        var outboxes: [Int: CallThreads] = [:]
        var clients: [Int: RPCClient] = [:]
        for replica in settings.replicas where replica.id != id {
            clients[replica.id] = host.client(for: replica.endpoint, deadline: deadline, connectTimeout: deadline)
            // A peer that cannot keep up loses the oldest messages: the election's timers cover lost ones.
            outboxes[replica.id] = CallThreads(
                label: "send-executor-\(replica.id)", maximumThreads: 1, capacity: Self.outboxCapacity)
        }
        self.outboxes = outboxes
        self.peerClients = clients
        // A lease call abandoned by its slot (leadership lost, a drain) may still be held by the queue while the
        // slot's next call runs: two threads a slot never make a call wait behind another.
        queueCalls = CallThreads(label: "executor-queue", maximumThreads: 2 * max(1, settings.executorConcurrency) + 2)
        (inboxStream, inbox) = AsyncStream.makeStream(
            of: (BullyMessage, Int, UInt64).self, bufferingPolicy: .bufferingNewest(256))
        let ms: (Int) -> UInt64 = { UInt64(clamping: $0) &* 1_000_000 }
        instance = ExecutorInstance(
            id: id, peers: settings.replicas.map(\.id), election: Self.election(settings),
            work: WorkSettings(
                slots: max(1, settings.executorConcurrency), pollNanos: ms(max(1, settings.pollMs)),
                processingNanos: ms(max(1, settings.processingMs)), drainNanos: ms(settings.leaseMs),
                longPollNanos: Self.longPollNanos, ackCarriesLease: true,
                leaseBatch: min(max(1, settings.executorLeaseBatch), QueueBounds.maxLeaseBatch)),
            remembered: remembered)
        validator = instance.election
        published = Mutex(
            ExecutorStatus(
                id: id, node: host.recorder.node, pid: getpid(), role: .follower, epoch: nil,
                leader: nil, committed: 0, tracesDirectory: tracesDirectory))
    }

    // MARK: Inputs

    /// How long the queue may hold an idle slot's lease request: an order is picked up as soon as it arrives
    /// whatever the hold (the queue answers a held request at once then, or when the epoch is fenced, a newer request
    /// of the slot replaces it, or it stops), so a long hold only saves an idle leader's polls (one traced call a
    /// hold; 1 s before).
    static let longPollNanos: UInt64 = 5_000_000_000

    /// At most this many election messages wait to be sent to one peer (beyond, the oldest is dropped).
    static let outboxCapacity = 64

    /// Starts the election and the election inbox.
    public func start() {
        guard receiver == nil, !stopped else { return }
        let stream = inboxStream
        receiver = Task { [weak self] in
            for await (message, from, receivedAt) in stream {
                guard let self else { return }
                await self.receive(message, from: from, receivedAt: receivedAt)
            }
        }
        apply(instance.start(now: monotonic()))
    }

    /// Validates an election message from executor `from` on the caller's thread and hands it to the node without
    /// waiting. A message from an id that is not a configured replica, or with an epoch out of range, is dropped
    /// (counted and logged) and refused with `invalidParams`.
    public nonisolated func deliver(_ message: BullyMessage, from: Int) throws {
        if let problem = validator.problem(with: message, from: from) {
            metrics.counter("executor_bully_dropped_total").increment()
            logger.warning(
                "dropped an election message",
                metadata: ["from": "\(from)", "type": .string(message.name), "cause": .string(problem)])
            throw RPCError(.invalidParams, problem)
        }
        inbox.yield((message, from, monotonic()))
    }

    /// The election timing of `settings` (milliseconds, clamped) with the adaptive failure detector's defaults.
    static func election(_ settings: ExecutorSettings) -> BullyConfiguration {
        let ms: (Int) -> UInt64 = { UInt64(clamping: $0) &* 1_000_000 }
        let heartbeat = ms(settings.heartbeatMs)
        let floor = ms(settings.leaderTimeoutMs)
        var detector = FailureDetectorSettings.defaults(heartbeatInterval: heartbeat, leaderTimeout: floor)
        detector.adaptive = settings.adaptiveFailureDetector
        detector.maximumTimeout = max(ms(settings.maxLeaderTimeoutMs), floor)
        return BullyConfiguration(
            heartbeatInterval: heartbeat, leaderTimeout: floor, electionTimeout: ms(settings.electionTimeoutMs),
            coordinatorTimeout: ms(settings.coordinatorTimeoutMs), probeTimeout: ms(max(0, settings.probeTimeoutMs)),
            watchHold: ms(max(0, settings.watchHoldMs)), detector: detector)
    }

    /// What this executor believed after its last step (answered without waiting for the node).
    public nonisolated var currentStatus: ExecutorStatus { published.withLock { $0 } }

    /// What this executor believes now.
    public func status() -> ExecutorStatus { currentStatus }

    private func receive(_ message: BullyMessage, from: Int, receivedAt: UInt64) {
        guard !stopped else { return }
        apply(instance.onMessage(message, from: from, now: monotonic(), receivedAt: receivedAt))
    }

    /// Publishes what `status` answers.
    func publish() {
        let election = instance.election
        let status = ExecutorStatus(
            id: id, node: recorder.node, pid: getpid(), role: election.role, epoch: election.current,
            leader: election.leader, committed: instance.work.committed, tracesDirectory: tracesDirectory)
        published.withLock { $0 = status }
        watchers.update(leading: election.isLeader ? election.current : nil)
    }

    /// Stops every timer, queue and task (the last step of a stop); queue calls under way finish on their own.
    func cancelEverything() {
        for timer in timers.values { timer.task?.cancel() }
        timers.removeAll()
        probeTask?.cancel()
        probeTask = nil
        watchTask?.cancel()
        watchTask = nil
        watchers.stop()
        inbox.finish()
        for outbox in outboxes.values { outbox.close() }
        queueCalls.close()
        receiver?.cancel()
    }
}
