import Checkout
import ClusterProtocol
import Election
import Foundation
import Logging
import OrderQueueCore
import RPC
import TraceFormat

/// An executor replica: the IO shell around the pure `BullyElection`. It carries out the election's directives
/// (messages over JSON-RPC, timers as tasks), and while it leads it works on up to `executorConcurrency` orders
/// at once, each under its own lease (one per slot), acknowledging each with its epoch as the fencing token.
public actor ExecutorNode {
    public let id: Int
    public let settings: ExecutorSettings
    public let tracesDirectory: String?
    let recorder: TraceRecorder
    let logger: Logger
    let queue: RPCClient
    private let peers: [Int: RPCClient]
    let monotonic: @Sendable () -> UInt64
    let metrics: RPCMetrics
    var election: BullyElection
    private var timers: [BullyTimer: (generation: UInt64, task: Task<Void, Never>)] = [:]
    private var generation: UInt64 = 0
    /// One task per work slot while leading.
    var workers: [Task<Void, Never>] = []
    /// Orders being executed, by slot.
    var inFlight: [Int: (lease: Lease, order: QueuedOrder, epoch: Epoch)] = [:]
    /// Slots inside their work loop.
    var activeSlots = 0
    /// Bumped when a slot learns more orders wait, to wake idle slots.
    var wakeups: UInt64 = 0
    /// A clean stop began: take no new leases.
    var draining = false
    var committed = 0
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
        var peers: [Int: RPCClient] = [:]
        for replica in settings.replicas where replica.id != id {
            peers[replica.id] = host.client(for: replica.endpoint, deadline: deadline, connectTimeout: deadline)
        }
        self.peers = peers
        let ms: (Int) -> UInt64 = { UInt64(clamping: $0) &* 1_000_000 }
        election = BullyElection(
            id: id, peers: settings.replicas.map(\.id),
            configuration: BullyConfiguration(
                heartbeatInterval: ms(settings.heartbeatMs), leaderTimeout: ms(settings.leaderTimeoutMs),
                electionTimeout: ms(settings.electionTimeoutMs), coordinatorTimeout: ms(settings.coordinatorTimeoutMs)),
            remembered: remembered)
    }

    // MARK: Inputs

    /// Starts the election.
    public func start() {
        apply(election.start(now: monotonic()))
    }

    /// An election message from executor `from`. A message from an id that is not a configured replica, or with
    /// an epoch out of range, is dropped (counted and logged) and refused with `invalidParams`.
    public func receive(_ message: BullyMessage, from: Int) throws {
        guard !stopped else { return }
        if let problem = election.problem(with: message, from: from) {
            metrics.counter("executor_bully_dropped_total").increment()
            logger.warning(
                "dropped an election message",
                metadata: ["from": "\(from)", "type": .string(message.name), "cause": .string(problem)])
            throw RPCError(.invalidParams, problem)
        }
        if case .heartbeat = message {
        } else {
            recorder.record(ElectionReceive(ElectionMessage(type: message.name, peer: from, epoch: message.epoch)))
        }
        apply(election.onMessage(message, from: from, now: monotonic()))
    }

    /// What this executor believes now.
    public func status() -> ExecutorStatus {
        ExecutorStatus(
            id: id, node: recorder.node, pid: getpid(), role: election.role.rawValue, epoch: election.current,
            leader: election.leader, committed: committed, tracesDirectory: tracesDirectory)
    }

    private func fire(_ timer: BullyTimer, generation expected: UInt64) {
        guard !stopped, timers[timer]?.generation == expected else { return }
        timers[timer] = nil
        apply(election.onTimer(timer, now: monotonic()))
    }

    /// Stops every timer (the last step of a stop).
    func cancelTimers() {
        for timer in timers.values { timer.task.cancel() }
        timers.removeAll()
    }

    /// The queue says `epoch` is newer than ours; ignored when out of range or naming an unknown leader.
    func fenced(by epoch: Epoch) {
        guard epoch.term <= Epoch.maxTerm, settings.replica(epoch.leader) != nil else {
            logger.warning("ignored an out-of-range fencing epoch from the queue", metadata: ["epoch": "\(epoch)"])
            return
        }
        apply(election.onFenced(by: epoch, now: monotonic()))
    }

    // MARK: Directives

    func apply(_ directives: [BullyDirective]) {
        for directive in directives {
            switch directive {
            case .send(let message, let to):
                send(message, to: to)
            case .setTimer(let timer, let deadline):
                arm(timer, deadline: deadline)
            case .cancelTimer(let timer):
                timers.removeValue(forKey: timer)?.task.cancel()
            case .leaderTimedOut(let leader, let silent):
                metrics.counter("executor_heartbeat_timeouts_total").increment()
                recorder.record(
                    HeartbeatTimeout(
                        leader: leader ?? 0, silentMs: Int64(clamping: silent / 1_000_000),
                        reason: "\(leader.map { "leader \($0)" } ?? "no leader") silent for \(silent / 1_000_000) ms"))
            case .electionStarted(let reason):
                metrics.counter("executor_elections_started_total").increment()
                recorder.record(ElectionStart(reason: reason, term: election.highestSeen.term))
                logger.info("election started: \(reason)")
            case .leaderChanged(let epoch):
                leaderChanged(epoch)
            case .steppedDown(let from, let newer):
                recorder.record(ElectionStepDown(epoch: from, newer: newer))
                metrics.gauge("executor_is_leader").record(0)
                logger.notice("stepped down from epoch \(from): epoch \(newer) is newer")
                stopWorking()
            }
        }
    }

    private func leaderChanged(_ epoch: Epoch) {
        let leading = epoch.leader == id && election.isLeader
        metrics.counter("executor_leader_changes_total").increment()
        metrics.gauge("executor_epoch_term").record(Int64(clamping: epoch.term))
        metrics.gauge("executor_is_leader").record(leading ? 1 : 0)
        recorder.record(ElectionLeader(leader: epoch.leader, epoch: epoch, isSelf: leading))
        logger.info("leader is executor-\(epoch.leader) (epoch \(epoch))")
        if leading { startWorking(epoch) } else { stopWorking() }
    }

    private func send(_ message: BullyMessage, to: Int) {
        guard let peer = peers[to] else { return }
        if case .heartbeat = message {
        } else {
            recorder.record(ElectionSend(ElectionMessage(type: message.name, peer: to, epoch: message.epoch)))
        }
        let envelope = BullyEnvelope(from: id, message: message)
        // Fire and forget: a lost message is what the election's timers are for.
        Task.detached { _ = try? await peer.call("bully", envelope, returning: Empty.self) }
    }

    private func arm(_ timer: BullyTimer, deadline: UInt64) {
        timers.removeValue(forKey: timer)?.task.cancel()
        generation += 1
        let expected = generation
        let now = monotonic()
        let delay = deadline > now ? deadline - now : 0
        let task = Task { [weak self] in
            try? await Task.sleep(nanoseconds: delay)
            guard !Task.isCancelled else { return }
            await self?.fire(timer, generation: expected)
        }
        timers[timer] = (expected, task)
    }
}
