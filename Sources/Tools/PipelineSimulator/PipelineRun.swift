import Causality
import Checkout
import Election
import ExecutorCore
import OrderQueueCore
import SeededRandom
import TraceModel

/// One deterministic run of the whole order pipeline (VOPR-style): the Order Queue (`SimQueue`, the pure
/// `LeasedOrderQueue` with a durable record log), 3–5 executors (`ExecutorInstance`: the same BullyElection and
/// work loop as the real executors) and an orchestrator that enqueues orders at random times, on a simulated
/// clock and network with faults, all drawn from one seed. Every node keeps a vector clock and writes trace
/// events in the project's trace format.
public final class PipelineRun {
    let options: SimulationOptions
    var rng: SplitMix64
    var scheduler = SimScheduler<SimAction>()
    var events: [TraceEvent] = []
    var recorders: [String: SimRecorder] = [:]
    var executors: [Int: SimExecutor] = [:]
    var queue: SimQueue
    var queueUp = true
    /// Lease requests the queue holds (long polls), oldest first.
    var heldLeases: [HeldLease] = []
    /// When the next look for the held lease requests is due.
    var heldLeaseCheckAt: UInt64?
    /// Lease requests held, and those answered with a lease after being held.
    var heldLeaseTally = (held: 0, leased: 0)
    var pending: [String: PendingCall] = [:]
    /// Copies of each logical call still waiting, and the logical calls already answered.
    var copies: [String: Int] = [:]
    var answered: Set<String> = []
    var messageNumbers: [String: UInt64] = [:]
    var isolated: Set<String> = []
    /// Followers' watches the leaders hold now.
    var heldWatches: [HeldWatch] = []
    var heldWatchTally = (held: 0, broken: 0)
    /// Executors cut off from the other executors only (they still reach the queue and the orchestrator): the
    /// partition that the queue's fencing exists for.
    var apart: Set<String> = []
    var nextPid: Int32 = 1000
    var faulty = true
    var dropRate = 0.0
    var duplicateRate = 0.0
    var replyDropRate = 0.0
    var lateReplyRate = 0.0
    let ids: [Int]
    /// The real executors' election timing (the cluster config's defaults), adaptive failure detector included.
    let electionConfiguration = BullyConfiguration.watched
    let work: WorkSettings
    static let leaseNanos: UInt64 = 1_500_000_000
    static let bullyDeadline: UInt64 = 100_000_000
    static let queueDeadline: UInt64 = 750_000_000
    /// Orders: id, priority, when the orchestrator enqueues it; and whether it was decided (approved).
    var orders: [(id: String, priority: OrderPriority, at: UInt64)] = []
    var decided: Set<Int> = []
    var enqueueing: Set<Int> = []
    var healedAt: UInt64?
    var lastElectionActivity: UInt64 = 0
    var drainedAt: UInt64?
    /// Why the run is judged failed besides the checks (stuck, an order not committed exactly once).
    var problems: [String] = []

    init(options: SimulationOptions) {
        self.options = options
        rng = SplitMix64(seed: options.seed)
        let count = 3 + Int(rng.next() % 3)
        ids = Array(1...count)
        // Batch leases come from a generator of their own, so a seed's other choices stay what they were: a third of
        // the seeds run plain acks (one order a slot), the others acks that lease 1…4 orders.
        var batches = SplitMix64(seed: options.seed ^ 0x6261_7463_6865_7321)
        let batch = Int(batches.next() % 6)
        work = WorkSettings(
            slots: 1 + Int(rng.next() % 3), pollNanos: 20_000_000, processingNanos: options.processingNanos,
            drainNanos: Self.leaseNanos, ackCarriesLease: batch >= 2, leaseBatch: max(1, batch - 1))
        queue = SimQueue(leaseDuration: Self.leaseNanos, bug: options.bug)
    }

    /// Runs the simulation of `options` to its end and judges it.
    public static func run(_ options: SimulationOptions) -> SimulationResult {
        let run = PipelineRun(options: options)
        run.start()
        run.loop()
        return run.result()
    }

    static func node(_ id: Int) -> String { "executor-\(id)" }

    func random(_ range: ClosedRange<UInt64>) -> UInt64 {
        range.lowerBound &+ rng.next() % (range.upperBound - range.lowerBound &+ 1)
    }

    func chance(_ probability: Double) -> Bool {
        Double(rng.next() >> 11) / Double(1 << 53) < probability
    }

    func newPid() -> Int32 {
        nextPid += 1
        return nextPid
    }

    /// Records `kind` on `node` (its clock ticks, merging `remote`).
    @discardableResult
    func record(
        _ node: String, _ kind: EventKind, merging remote: VectorClock? = nil, trace: String? = nil,
        _ data: [String: TraceValue]
    ) -> VectorClock {
        if kind.rawValue.hasPrefix("election.") && kind.rawValue != "election.send"
            && kind.rawValue != "election.receive" || kind.rawValue == "heartbeat.timeout"
        {
            lastElectionActivity = scheduler.now
        }
        return recorders[node]!.record(
            kind, at: scheduler.now, merging: remote, trace: trace, span: trace.map { String($0.suffix(16)) },
            data: data, into: &events)
    }

    /// Records a typed payload on `node`.
    @discardableResult
    func record(
        _ node: String, _ payload: some TraceEventPayload, merging remote: VectorClock? = nil, trace: String? = nil
    ) -> VectorClock {
        record(node, type(of: payload).kind, merging: remote, trace: trace, payload.encoded())
    }

    // MARK: Start and loop

    private func start() {
        for node in ["orchestrator", "queue"] { recorders[node] = SimRecorder(node: node, pid: newPid()) }
        for id in ids {
            recorders[Self.node(id)] = SimRecorder(node: Self.node(id), pid: newPid())
            executors[id] = SimExecutor(instance: newInstance(id, remembered: .none), incarnation: 0)
        }
        if options.faults.drops { dropRate = Double(rng.next() % 8) / 100 }
        if options.faults.duplicates { duplicateRate = Double(rng.next() % 5) / 100 }
        if options.faults.replyDrops { replyDropRate = Double(rng.next() % 8) / 100 }
        if options.faults.lateReplies { lateReplyRate = Double(rng.next() % 5) / 100 }
        for index in 0..<options.orders {
            let id = Self.hex(rng.next()) + Self.hex(rng.next())
            let priority = OrderPriority(shippingWeight: Int(rng.next() % 3), countryRank: Int(rng.next() % 4))
            let at = random(0...options.faultPhaseNanos)
            orders.append((id, priority, at))
            scheduler.schedule(.enqueue(order: index), at: at)
        }
        scheduleFaults()
        scheduler.schedule(.heal, at: options.faultPhaseNanos)
        for id in ids { startExecutor(id) }
    }

    func newInstance(_ id: Int, remembered: Epoch) -> ExecutorInstance {
        ExecutorInstance(
            id: id, peers: ids, election: electionConfiguration, work: work, remembered: remembered)
    }

    private func scheduleFaults() {
        let phase = options.faultPhaseNanos
        let faults = options.faults
        let span: ClosedRange<UInt64> = 100_000_000...1_500_000_000
        // An executor cut off from its peers only, from shorter than the failure detector's floor to well past its
        // ceiling (~1 s: followers that cannot reach their leader keep probing it until then): a deposed leader
        // that still reaches the queue, which only the queue's fencing stops.
        let apartSpan: ClosedRange<UInt64> = 100_000_000...3_000_000_000
        if faults.crashes {
            for _ in 0..<(rng.next() % 3) {
                scheduler.schedule(.crash(executor: ids[Int(rng.next() % UInt64(ids.count))]), at: random(0...phase))
            }
        }
        if faults.pauses {
            for _ in 0..<(rng.next() % 3) {
                let id = ids[Int(rng.next() % UInt64(ids.count))]
                scheduler.schedule(.pause(executor: id, nanos: random(span)), at: random(0...phase))
            }
        }
        if faults.partitions {
            let nodes = ["queue", "orchestrator"] + ids.map(Self.node)
            for _ in 0..<(rng.next() % 3) {
                let node = nodes[Int(rng.next() % UInt64(nodes.count))]
                let peersOnly = ElectionID.of(node) != nil && chance(0.5)
                scheduler.schedule(
                    .isolate(node: node, nanos: random(peersOnly ? apartSpan : span), peersOnly: peersOnly),
                    at: random(0...phase))
            }
        }
        if faults.queueRestarts || options.bug == .queueLosesLogTail {
            for _ in 0..<(1 + rng.next() % 2) {
                scheduler.schedule(.queueCrash(nanos: random(50_000_000...500_000_000)), at: random(0...phase))
            }
        }
    }

    private func loop() {
        while let action = scheduler.next() {
            if let healedAt, scheduler.now > healedAt &+ options.settleLimitNanos &+ 10_000_000_000 {
                problems.append("the run did not end within the settle limit after healing")
                return
            }
            switch action {
            case .request(let request): serve(request)
            case .reply(let reply): receive(reply)
            case .deadline(let msg): expire(msg)
            case .refused(let msg): refuse(msg)
            case .heldWatchCheck: checkHeldWatches()
            case .timer(let id, let incarnation, let timer, let generation):
                fire(id, incarnation: incarnation, timer, generation: generation)
            case .enqueue(let order): enqueue(order)
            case .crash(let id): crash(id)
            case .restart(let id): restartExecutor(id)
            case .pause(let id, let nanos): pause(id, nanos: nanos)
            case .isolate(let node, let nanos, let peersOnly):
                guard faulty else { break }
                if peersOnly { apart.insert(node) } else { isolated.insert(node) }
                scheduler.schedule(.rejoin(node: node), at: scheduler.now &+ nanos)
            case .rejoin(let node):
                isolated.remove(node)
                apart.remove(node)
            case .queueCrash(let nanos): crashQueue(restartAfter: nanos)
            case .queueRestart: restartQueue()
            case .heal: heal()
            case .settleCheck: settleCheck()
            case .heldLeaseCheck: checkHeldLeases()
            }
        }
    }

    static func hex(_ value: UInt64) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<16).map { digits[Int((value >> UInt64(60 - 4 * $0)) & 0xF)] })
    }
}
