import Checkout
import Election
import Foundation
import Logging
import OrderQueueCore
import RPC
import TraceFormat

/// An executor replica: the IO shell around the pure `BullyElection`. It carries out the election's directives
/// (messages over JSON-RPC, timers as tasks), and while it leads it takes orders from the queue under leases,
/// executes them one at a time and acknowledges them with its epoch as the fencing token.
public actor ExecutorNode {
    public let id: Int
    public let settings: ExecutorSettings
    public let tracesDirectory: String?
    private let recorder: TraceRecorder
    private let logger: Logger
    private let queue: RPCClient
    private let peers: [Int: RPCClient]
    private let monotonic: @Sendable () -> UInt64
    private let metrics: RPCMetrics
    private var election: BullyElection
    private var timers: [BullyTimer: (generation: UInt64, task: Task<Void, Never>)] = [:]
    private var generation: UInt64 = 0
    private var worker: Task<Void, Never>?
    private var committed = 0
    private var stopped = false

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
        let ms: (Int) -> UInt64 = { UInt64($0) * 1_000_000 }
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

    /// An election message from executor `from`.
    public func receive(_ message: BullyMessage, from: Int) {
        guard !stopped else { return }
        if case .heartbeat = message {
        } else {
            recorder.record(
                .electionReceive,
                data: ["type": .string(message.name), "from": .int(Int64(from)), "epoch": .string("\(message.epoch)")])
        }
        apply(election.onMessage(message, from: from, now: monotonic()))
    }

    /// What this executor believes now.
    public func status() -> ExecutorStatus {
        ExecutorStatus(
            id: id, node: recorder.node, pid: getpid(), role: election.role.rawValue, epoch: election.current,
            leader: election.leader, committed: committed, tracesDirectory: tracesDirectory)
    }

    /// Stops timers and work (on shutdown).
    public func stop() {
        stopped = true
        for timer in timers.values { timer.task.cancel() }
        timers.removeAll()
        worker?.cancel()
        worker = nil
    }

    private func fire(_ timer: BullyTimer, generation expected: UInt64) {
        guard !stopped, timers[timer]?.generation == expected else { return }
        timers[timer] = nil
        apply(election.onTimer(timer, now: monotonic()))
    }

    // MARK: Directives

    private func apply(_ directives: [BullyDirective]) {
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
                    .heartbeatTimeout,
                    data: [
                        "leader": .int(Int64(leader ?? 0)), "silent_ms": .int(Int64(silent / 1_000_000)),
                        "reason": .string(
                            "\(leader.map { "leader \($0)" } ?? "no leader") silent for \(silent / 1_000_000) ms"),
                    ])
            case .electionStarted(let reason):
                metrics.counter("executor_elections_started_total").increment()
                recorder.record(
                    .electionStart,
                    data: ["reason": .string(reason), "term": .int(Int64(election.highestSeen.term))])
                logger.info("election started: \(reason)")
            case .leaderChanged(let epoch):
                metrics.counter("executor_leader_changes_total").increment()
                metrics.gauge("executor_epoch_term").record(Int64(epoch.term))
                metrics.gauge("executor_is_leader").record(epoch.leader == id && election.isLeader ? 1 : 0)
                recorder.record(
                    .electionLeader,
                    data: [
                        "leader": .int(Int64(epoch.leader)), "epoch": .string("\(epoch)"),
                        "term": .int(Int64(epoch.term)), "self": .bool(epoch.leader == id && election.isLeader),
                    ])
                logger.info("leader is executor-\(epoch.leader) (epoch \(epoch))")
                if epoch.leader == id && election.isLeader {
                    startWorking(epoch)
                } else {
                    stopWorking()
                }
            case .steppedDown(let from, let newer):
                recorder.record(.electionStepDown, data: ["epoch": .string("\(from)"), "newer": .string("\(newer)")])
                metrics.gauge("executor_is_leader").record(0)
                logger.notice("stepped down from epoch \(from): epoch \(newer) is newer")
                stopWorking()
            }
        }
    }

    private func send(_ message: BullyMessage, to: Int) {
        guard let peer = peers[to] else { return }
        if case .heartbeat = message {
        } else {
            recorder.record(
                .electionSend,
                data: ["type": .string(message.name), "to": .int(Int64(to)), "epoch": .string("\(message.epoch)")])
        }
        let envelope = BullyEnvelope(from: id, message: message)
        // Fire and forget: a lost message is what the election's timers are for.
        Task.detached { _ = try? await peer.call("bully", envelope, returning: Empty.self) }
    }

    private func arm(_ timer: BullyTimer, deadline: UInt64) {
        timers.removeValue(forKey: timer)?.task.cancel()
        generation += 1
        let expected = generation
        let delay = deadline > monotonic() ? deadline - monotonic() : 0
        let task = Task { [weak self] in
            try? await Task.sleep(nanoseconds: delay)
            guard !Task.isCancelled else { return }
            await self?.fire(timer, generation: expected)
        }
        timers[timer] = (expected, task)
    }

    // MARK: Work

    private func startWorking(_ epoch: Epoch) {
        worker?.cancel()
        worker = Task { [weak self] in await self?.work(epoch) }
    }

    private func stopWorking() {
        worker?.cancel()
        worker = nil
    }

    /// While leading `epoch`: lease, execute, acknowledge — one order at a time.
    private func work(_ epoch: Epoch) async {
        let loop = TraceContext.newTrace()
        let poll = UInt64(settings.pollMs) * 1_000_000
        while !Task.isCancelled, election.isLeader, election.current == epoch {
            let reply: LeaseReply
            do {
                reply = try await queue.call(
                    "lease", LeaseRequest(executor: id, epoch: epoch), returning: LeaseReply.self, context: loop)
            } catch {
                logger.warning("cannot lease from the queue: \(error)")
                try? await Task.sleep(nanoseconds: poll)
                continue
            }
            if let newer = reply.fencedBy {
                apply(election.onFenced(by: newer, now: monotonic()))
                return
            }
            guard let lease = reply.lease, let order = reply.order else {
                try? await Task.sleep(nanoseconds: poll)
                continue
            }
            await execute(order, lease: lease, epoch: epoch)
        }
    }

    private func execute(_ order: QueuedOrder, lease: Lease, epoch: Epoch) async {
        let trace = TraceContext(traceID: order.orderId, spanID: TraceContext.newTrace().spanID)
        recorder.record(
            .executorDequeue, context: trace,
            data: [
                "order": .string(order.orderId), "epoch": .string("\(epoch)"), "term": .int(Int64(epoch.term)),
                "lease": .int(Int64(lease.id)), "delivery": .int(Int64(lease.delivery)),
            ])
        try? await Task.sleep(nanoseconds: UInt64(settings.processingMs) * 1_000_000)
        let ack: AckReply
        do {
            ack = try await queue.call(
                "ack", AckRequest(orderId: order.orderId, executor: id, epoch: epoch, leaseId: lease.id),
                returning: AckReply.self, context: trace)
        } catch {
            // The lease will expire and the order will be delivered again; its ack is idempotent.
            logger.warning("ack failed", metadata: ["order_id": .string(order.orderId), "cause": "\(error)"])
            return
        }
        recorder.record(
            .executorCommit, context: trace,
            data: [
                "order": .string(order.orderId), "epoch": .string("\(epoch)"), "term": .int(Int64(epoch.term)),
                "lease": .int(Int64(lease.id)), "outcome": .string(ack.outcome),
            ])
        if ack.outcome == "committed" {
            committed += 1
            metrics.counter("executor_orders_committed_total").increment()
        }
        if let newer = ack.fencedBy {
            apply(election.onFenced(by: newer, now: monotonic()))
        }
    }
}
