import ClusterProtocol
import Election
import ExecutorCore
import TraceModel

/// The executors' shell in the simulator: it carries out `ExecutorInstance` directives like `ExecutorNode` does,
/// on the simulated network and clock.
extension PipelineRun {
    func startExecutor(_ id: Int) {
        feed(id) { instance, now in instance.start(now: now) }
    }

    func onMessage(_ id: Int, _ message: BullyMessage, from: Int) {
        guard let executor = executors[id], executor.instance.problem(with: message, from: from) == nil else { return }
        feed(id) { $0.onMessage(message, from: from, now: $1) }
    }

    /// Runs one input of executor `id` and carries out its directives.
    func feed(_ id: Int, _ input: (inout ExecutorInstance, UInt64) -> [ExecutorDirective]) {
        guard var executor = executors[id], executor.up else { return }
        let directives = input(&executor.instance, scheduler.now)
        executors[id] = executor
        apply(id, directives)
        answerHeldWatches(of: id)
    }

    private func apply(_ id: Int, _ directives: [ExecutorDirective]) {
        let node = Self.node(id)
        for directive in directives {
            switch directive {
            case .send(let message, let to):
                call(
                    node, to: Self.node(to), .bully(message, from: id), purpose: .ignored,
                    deadline: Self.bullyDeadline)
            case .setTimer(let timer, let deadline):
                executors[id]!.timerGeneration &+= 1
                let generation = executors[id]!.timerGeneration
                executors[id]!.timers[timer] = generation
                scheduler.schedule(
                    .timer(executor: id, incarnation: executors[id]!.incarnation, timer, generation: generation),
                    at: deadline)
            case .cancelTimer(let timer):
                executors[id]!.timers[timer] = nil
            case .probeLeader(let leader, let probe, let deadline):
                call(
                    node, to: Self.node(leader), .status, purpose: .probe(probe),
                    deadline: max(deadline &- min(deadline, scheduler.now), 1))
            case .watchLeader(let leader, let epoch, let watch, let hold, let deadline):
                let holdMs = Int(clamping: min(hold / 1_000_000, UInt64(LeaderWatchRequest.maxHoldMs)))
                call(
                    node, to: Self.node(leader), .watch(LeaderWatchRequest(epoch: epoch, holdMs: holdMs)),
                    purpose: .watch(watch), deadline: max(deadline &- min(deadline, scheduler.now), 1))
            case .record(let event):
                guard let trace = event.trace else { continue }
                record(node, trace.kind, trace: trace.order.map(\.orderId), trace.data)
            case .lease(let work, let params):
                // A long poll's deadline is the usual one on top of the wait the queue may hold it.
                let wait = UInt64(max(0, params.waitMs ?? 0)) &* 1_000_000
                call(node, to: "queue", .lease(params), purpose: .lease(work), deadline: Self.queueDeadline &+ wait)
            case .ack(let work, let held):
                let params = AckRequest(held, executor: id)
                call(node, to: "queue", .ack(params), purpose: .ack(work), deadline: Self.queueDeadline)
            case .ackAndLease(let work, let held, let next):
                // Without `ackCarriesLease` in this run's settings the queue is never asked; with it, the simulated
                // queue leases with the ack (a batch of up to `next.batch` orders).
                var params = AckRequest(held, executor: id)
                params.next = next
                call(node, to: "queue", .ack(params), purpose: .ack(work), deadline: Self.queueDeadline)
            case .release(let work, let held):
                let params = held.map { AckRequest($0, executor: id) }
                call(node, to: "queue", .release(params), purpose: .release(work), deadline: Self.queueDeadline)
            case .drained:
                executors[id]!.timers.removeAll()
                executors[id]!.drained = true
            }
        }
    }

    func fire(_ id: Int, incarnation: Int, _ timer: ExecutorTimer, generation: UInt64) {
        guard let executor = executors[id], executor.up, executor.incarnation == incarnation,
            executor.timers[timer] == generation
        else { return }
        if let until = executor.pausedUntil, until > scheduler.now {
            scheduler.schedule(.timer(executor: id, incarnation: incarnation, timer, generation: generation), at: until)
            return
        }
        executors[id]!.timers[timer] = nil
        feed(id) { $0.onTimer(timer, now: $1) }
    }

    // MARK: Faults

    func crash(_ id: Int) {
        guard faulty, executors[id]!.up else { return }
        executors[id]!.up = false
        executors[id]!.timers.removeAll()
        breakHeldWatches(of: id)
        for (msg, call) in pending where call.node == Self.node(id) {
            pending[msg] = nil
            copies[call.logical] = nil
            answered.remove(call.logical)
        }
        scheduler.schedule(.restart(executor: id), at: scheduler.now &+ random(100_000_000...1_500_000_000))
    }

    /// A new process of executor `id`: it remembers the highest epoch its trace named, as the real one reads it
    /// from its trace state file.
    func restartExecutor(_ id: Int) {
        guard !executors[id]!.up else { return }
        let node = Self.node(id)
        recorders[node]!.restart(pid: newPid())
        let remembered = recorders[node]!.highestEpoch
        executors[id] = SimExecutor(
            instance: newInstance(id, remembered: remembered), incarnation: executors[id]!.incarnation + 1)
        startExecutor(id)
    }

    func pause(_ id: Int, nanos: UInt64) {
        guard faulty, executors[id]!.up else { return }
        executors[id]!.pausedUntil = max(executors[id]!.pausedUntil ?? 0, scheduler.now &+ nanos)
    }

    func crashQueue(restartAfter nanos: UInt64) {
        guard faulty, queueUp else { return }
        queueUp = false
        // The process dies with the requests it held: their callers' deadlines fire.
        heldLeases.removeAll()
        scheduler.schedule(.queueRestart, at: scheduler.now &+ nanos)
    }

    func restartQueue() {
        guard !queueUp else { return }
        queueUp = true
        recorders["queue"]!.restart(pid: newPid())
        let lost = options.bug == .queueLosesLogTail ? Int(1 + rng.next() % 4) : 0
        let (kind, data, _) = queue.restart(lostTail: lost)
        record("queue", kind, data)
    }

    // MARK: End of the run

    /// The fault phase ends: partitions heal, pauses end, crashed nodes restart; the network is reliable.
    func heal() {
        faulty = false
        healedAt = scheduler.now
        isolated.removeAll()
        apart.removeAll()
        for id in ids {
            if executors[id]!.up { executors[id]!.pausedUntil = nil } else { restartExecutor(id) }
        }
        restartQueue()
        scheduler.schedule(.settleCheck, at: scheduler.now &+ 100_000_000)
    }

    /// After healing: once every order is decided and committed and the election is quiet for 2.5 s, the executors
    /// stop cleanly (drain); a run that does not get there within the limit is stuck.
    func settleCheck() {
        guard drainedAt == nil, let healedAt else { return }
        let committed = orders.allSatisfy { queue.state.commits[$0.id] != nil }
        let quiet = scheduler.now &- lastElectionActivity >= 2_500_000_000
        let stuck = scheduler.now &- healedAt > options.settleLimitNanos
        guard (decided.count == orders.count && committed && quiet) || stuck else {
            scheduler.schedule(.settleCheck, at: scheduler.now &+ 100_000_000)
            return
        }
        if stuck {
            problems.append(
                "stuck: \(decided.count)/\(orders.count) orders decided, \(queue.state.commits.count) committed "
                    + "\(options.settleLimitNanos / 1_000_000_000) s after the faults healed")
        }
        drainedAt = scheduler.now
        for id in ids {
            record(Self.node(id), NodeStopping(signal: 15))
            feed(id) { $0.onDrain(now: $1) }
        }
    }
}
