import ClusterProtocol
import TraceFormat

/// Check 8: exactly-once, in the manner of Jepsen's queue checkers: every approved order is enqueued once and
/// committed once (at the queue and by the executor). Reports lost, duplicated, unexpected and recovered
/// (committed after a redelivery) orders.
///
/// Memory: one small record per order still in progress, and a compact set of finished order ids.
final class ExactlyOnceCheck: RunCheck {
    /// What the check knows of one order in progress (a class: updated in place by each of the order's events).
    final class OrderState {
        var decision: RunEvent?
        /// The decision's `status`.
        var decisionStatus: String?
        var enqueue: RunEvent?
        var enqueues = 0
        var queueCommit: RunEvent?
        var queueCommits = 0
        var executorCommit: RunEvent?
        var executorCommits = 0
        /// Leases whose executor recorded that none of its acks got an answer (`unanswered`).
        var unanswered: [UInt64: RunEvent] = [:]
        var redelivered = false
        /// Approved and stored in an earlier run: the durable queue recovered it waiting.
        var carried = false
        /// The queue recovered it from its log before any traced enqueue: stored, though the enqueue event was in
        /// the part of the queue's trace that a kill cut off.
        var recoveredUntraced = false
        /// A restarted queue listed it among the newest commits of its log (`recent_commits`): committed durably,
        /// though the kill may have cut its `queue.commit` from the trace.
        var loggedCommit: RunEvent?
        /// Leases of the order that the queue ended without a commit (revoked, expired, released), by lease id.
        var endedLeases: [UInt64: RunEvent] = [:]
        /// The queue committed under a lease it had already ended (mutual-exclusion reports it): the commit, not a
        /// kill, explains any disagreement with the executor.
        var fencedCommit = false

        var approved: Bool { decisionStatus == OrderDecision.approvedStatus || carried }
        /// Stored by the queue: one traced enqueue, or none when the queue's log is the only record of it.
        var stored: Bool { enqueues == 1 || (enqueues == 0 && (carried || recoveredUntraced)) }
        var complete: Bool { approved && stored && queueCommits == 1 && executorCommits == 1 }
        /// The lease of the queue's (first) commit.
        var committedLease: UInt64? { queueCommit?.event.payload(QueueCommit.self)?.ack.lease }
    }

    private var orders = HashedTable<IDKey, OrderState>()
    private var queueIncarnations = QueueIncarnations()
    private var finished = CompactIDSet()
    var counts = (ok: 0, lost: 0, duplicated: 0, unexpected: 0, recovered: 0)
    /// What the durable queue holds, from its last `queue.recovered` or `queue.stopped` plus later enqueues minus
    /// commits; nil while the queue recorded neither (an in-memory queue: whatever was not committed is lost).
    private var durableWaiting: Set<String>?
    /// The run's order ledger (for checking two runs together).
    var ledger = OrderLedger()
    /// `ledger.carried` as a set.
    private var carriedIDs: Set<String> = []

    init(options: CheckOptions) {
        super.init(
            number: 8, name: "exactly-once", title: "every approved order enqueued once, committed once",
            options: options)
    }

    /// What an event of one order means to this check, decoded from its payload.
    private enum Step {
        case decision(OrderDecision)
        case enqueue(duplicate: Bool)
        case lease(delivery: Int)
        case leaseEnded(lease: UInt64?)
        case queueCommit(lease: UInt64?)
        /// A stopping leader gave the lease back.
        case leaseReleased(lease: UInt64?)
        case executorCommit(committed: Bool)
        /// The executor stopped retrying the ack of `lease` without an answer.
        case executorUnanswered(lease: UInt64?)
        /// Another queue event about the order (refused ack, released lease, overload).
        case other
    }

    /// The order an event is about and what it means; nil for events of no order (and malformed ones).
    private static func step(_ event: ProtocolEvent) -> (order: String, step: Step)? {
        switch event {
        case .orderDecision(let decision): (decision.order, .decision(decision))
        case .queueEnqueue(let enqueue): (enqueue.order, .enqueue(duplicate: enqueue.duplicate == true))
        case .queueLease(let lease): (lease.order, .lease(delivery: lease.delivery ?? 1))
        case .queueLeaseExpired(let expired): (expired.end.order, .leaseEnded(lease: expired.end.lease))
        case .queueLeaseRevoked(let revoked): (revoked.end.order, .leaseEnded(lease: revoked.end.lease))
        case .queueCommit(let commit): (commit.ack.order, .queueCommit(lease: commit.ack.lease))
        case .executorCommit(let commit): (commit.order, executorStep(commit))
        case .queueAckRefused(let refused): (refused.ack.order, .other)
        case .queueLeaseReleased(let released): (released.end.order, .leaseReleased(lease: released.end.lease))
        case .queueOverloaded(let overloaded): (overloaded.order, .other)
        default: nil
        }
    }

    /// An executor's record of an ack: the queue's answer, or that no ack of the lease got one.
    private static func executorStep(_ commit: ExecutorCommit) -> Step {
        commit.isUnanswered ? .executorUnanswered(lease: commit.lease) : .executorCommit(committed: commit.committed)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        if state.recordedByQueue(event) { queueIncarnations.observe(event) }
    }

    /// Sees an event with a protocol payload (`decoded`, `RunState.protocolEvent`) after `observe(_:_:)`: the engine
    /// decodes it once for this check and mutual exclusion.
    func observe(_ event: RunEvent, _ state: RunState, decoded: ProtocolEvent?) {
        let kind = event.kindCode
        guard kind == .orderDecision || kind.isQueue || kind == .executorCommit, let decoded else { return }
        switch decoded {
        case .queueRecovered(let recovered):
            durability(event, waiting: recovered.orders, recentCommits: recovered.recentCommits)
            return
        case .queueStopped(let stopped):
            durability(event, waiting: stopped.orders, recentCommits: nil)
            return
        default:
            break
        }
        guard let (order, step) = Self.step(decoded) else { return }
        examined += 1
        let pair = CompactIDSet.pair(order)
        if finished.contains(order, pair: pair) {
            // Finished before its decision arrived in the merge: recovered and executed while the orchestrator's
            // retried enqueue was still being answered. An order of this run, not of an earlier one.
            if case .decision = step, carriedIDs.contains(order) { uncarry(order) }
            let repeats: Bool
            switch step {
            case .enqueue(let duplicate): repeats = !duplicate
            case .queueCommit: repeats = true
            case .executorCommit(let committed): repeats = committed
            default: repeats = false
            }
            if repeats { duplicate(order, event, what: event.envelope.kind.rawValue, earlier: nil) }
            return
        }
        let key = Self.key(order, pair: pair)
        // A class: changed in place, so the table is written only when the order is new or done.
        let known = orders[key]
        let entry = known ?? OrderState()
        switch step {
        case .decision(let decision):
            guard entry.enqueues > 0 || decision.approved else { return }
            entry.decision = event
            entry.decisionStatus = decision.status
            if entry.carried {
                // Recovered before its decision in the merge (its enqueue event lost with a killed queue): an order
                // of this run, not of an earlier one.
                entry.carried = false
                uncarry(order)
            }
        case .enqueue(let duplicate):
            guard !duplicate else {
                info["idempotent re-enqueues", default: 0] += 1
                return
            }
            entry.enqueues += 1
            durableWaiting?.insert(order)
            if entry.enqueues == 2 { self.duplicate(order, event, what: "enqueue", earlier: entry.enqueue) }
            entry.enqueue = entry.enqueue ?? event
        case .lease(let delivery):
            if delivery > 1 { entry.redelivered = true }
        case .leaseEnded(let lease):
            entry.redelivered = true
            if let lease { entry.endedLeases[lease] = entry.endedLeases[lease] ?? event }
        case .leaseReleased(let lease):
            if known == nil { return }
            if let lease { entry.endedLeases[lease] = entry.endedLeases[lease] ?? event }
        case .queueCommit(let lease):
            if let lease, entry.endedLeases[lease] != nil {
                entry.fencedCommit = true
                info["commits under a lease the queue had ended (mutual-exclusion)", default: 0] += 1
            }
            durableWaiting?.remove(order)
            ledger.committed.append(order)
            entry.queueCommits += 1
            if entry.queueCommits == 2 { duplicate(order, event, what: "queue commit", earlier: entry.queueCommit) }
            entry.queueCommit = entry.queueCommit ?? event
        case .executorCommit(let committed):
            guard committed else { return }
            entry.executorCommits += 1
            if entry.executorCommits == 2 {
                duplicate(order, event, what: "execution", earlier: entry.executorCommit)
            }
            entry.executorCommit = entry.executorCommit ?? event
        case .executorUnanswered(let lease):
            if let lease { entry.unanswered[lease] = event }
        case .other:
            if known == nil { return }
        }
        if entry.complete {
            counts.ok += 1
            if entry.redelivered { counts.recovered += 1 }
            if known != nil { orders.removeValue(forKey: key) }
            finished.insert(order, pair: pair)
        } else if known == nil {
            orders.updateValue(entry, forKey: key)
        }
    }

    /// The key of `order` in `orders`: its hash from its 128-bit value when it is 32 hex digits (`pair`, parsed
    /// already), else `IDHash`. Equal ids get equal hashes either way (an id equal to 32 ASCII hex digits is them).
    private static func key(_ order: String, pair: CompactIDSet.Pair?) -> IDKey {
        guard let pair else { return IDKey(order) }
        return IDKey(order, hash: IDHash.combine(pair.high, pair.low))
    }

    private static func key(_ order: String) -> IDKey { key(order, pair: CompactIDSet.pair(order)) }

    /// The queue's snapshot of what waits: at start after replaying its log, or at a clean stop.
    private func durability(_ event: RunEvent, waiting: [String], recentCommits: [String]?) {
        examined += 1
        durableWaiting = Set(waiting)
        guard let recentCommits else { return }
        forgetUnsyncedEnqueues(recovered: event, waiting: durableWaiting ?? [], recentCommits: Set(recentCommits))
        for order in recentCommits {
            let key = Self.key(order)
            let entry = orders[key] ?? OrderState()
            entry.loggedCommit = entry.loggedCommit ?? event
            orders.updateValue(entry, forKey: key)
        }
        for order in waiting where !finished.contains(order) {
            let key = Self.key(order)
            let entry = orders[key] ?? OrderState()
            if entry.enqueues == 0 { entry.recoveredUntraced = true }
            // Nothing of this run seen yet: left waiting by an earlier run (unless its decision comes later).
            if entry.decision == nil && entry.enqueues == 0 && !entry.carried {
                entry.carried = true
                carriedIDs.insert(order)
                ledger.carried.append(order)
            }
            orders.updateValue(entry, forKey: key)
        }
    }

    /// A restarted queue that neither holds nor lists as committed an order an earlier process traced as enqueued
    /// lost that enqueue with the unsynced tail of its log: the process was killed after tracing the enqueue and
    /// before its record was durable, so it never acknowledged it. The orchestrator's retry then stores the order
    /// again, which is not a duplicate. (An acknowledged order the queue lost is still reported: nothing enqueues
    /// it again, so it ends lost.)
    private func forgetUnsyncedEnqueues(recovered: RunEvent, waiting: Set<String>, recentCommits: Set<String>) {
        let forgotten = orders.compactMap { key, entry in
            entry.enqueues > 0 && entry.queueCommits == 0 && !waiting.contains(key.id)
                && !recentCommits.contains(key.id) && entry.enqueue?.envelope.pid != recovered.envelope.pid
                ? entry : nil
        }
        for entry in forgotten {
            entry.enqueues = 0
            entry.enqueue = nil
            info["enqueues lost with a killed queue's unsynced log tail", default: 0] += 1
        }
    }

    override func finish(_ state: RunState) {
        var waiting = 0
        var missingCommits: [(order: String, entry: OrderState, gap: QueueIncarnations.Gap?)] = []
        for (order, entry) in orders.compactMap({ ($0.id, $1) }).sorted(by: { $0.0 < $1.0 }) {
            let gap = entry.executorCommit.flatMap { queueIncarnations.gap(holding: $0.counter("queue")) }
            if entry.approved && entry.queueCommits == 0
                && ((entry.executorCommits == 1 && state.mayHaveLost("queue") && gap != nil)
                    || entry.loggedCommit != nil)
            {
                missingCommits.append((order, entry, gap))
            } else if entry.approved && entry.enqueues == 0 && !entry.carried && !entry.recoveredUntraced
                && entry.queueCommits == 1 && entry.executorCommits == 1 && state.mayHaveLost("queue")
            {
                // Committed by the queue, so stored by it: only the enqueue event is missing from its trace.
                counts.ok += 1
                info["enqueue missing from the queue's incomplete trace", default: 0] += 1
            } else if entry.approved && entry.queueCommits == 0 && durableWaiting?.contains(order) == true {
                waiting += 1
                ledger.waiting.append(order)
            } else if entry.approved
                && ((entry.enqueues == 0 && !entry.carried && !entry.recoveredUntraced) || entry.queueCommits == 0)
            {
                lost(order, entry)
            } else if !entry.approved && (entry.enqueues > 0 || entry.queueCommits > 0 || entry.executorCommits > 0) {
                unexpected(order, entry, state)
            } else if entry.queueCommits == 1 && entry.executorCommits == 0, let lease = entry.committedLease,
                let unanswered = entry.unanswered[lease]
            {
                commitNeverHeardOf(order, entry, unanswered)
            } else if entry.queueCommits != entry.executorCommits && !entry.fencedCommit {
                unmatchedCommit(order, entry, state)
            }
        }
        if !missingCommits.isEmpty { commitsMissingFromTheQueueTrace(missingCommits, state) }
        info["ok"] = counts.ok
        info["lost"] = counts.lost
        info["duplicated"] = counts.duplicated
        info["unexpected"] = counts.unexpected
        info["recovered"] = counts.recovered
        if durableWaiting != nil {
            info["waiting in the durable queue"] = waiting
            info["carried from an earlier run"] = ledger.carried.count
        }
    }

    /// `order`, recovered by the queue before anything of it was seen, turned out to be approved in this run.
    private func uncarry(_ order: String) {
        carriedIDs.remove(order)
        ledger.carried.removeAll { $0 == order }
    }

}
