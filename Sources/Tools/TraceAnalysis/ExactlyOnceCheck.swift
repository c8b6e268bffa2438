import ClusterProtocol
import TraceFormat

/// Check 8: exactly-once, in the manner of Jepsen's queue checkers: every approved order is enqueued once and
/// committed once (at the queue and by the executor). Reports lost, duplicated, unexpected and recovered
/// (committed after a redelivery) orders.
///
/// Memory: one small record per order still in progress, and a compact set of finished order ids.
final class ExactlyOnceCheck: RunCheck {
    private struct OrderState {
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

    private var orders: [String: OrderState] = [:]
    private var queueIncarnations = QueueIncarnations()
    private var finished = CompactIDSet()
    private var counts = (ok: 0, lost: 0, duplicated: 0, unexpected: 0, recovered: 0)
    /// What the durable queue holds, from its last `queue.recovered` or `queue.stopped` plus later enqueues minus
    /// commits; nil while the queue recorded neither (an in-memory queue: whatever was not committed is lost).
    private var durableWaiting: Set<String>?
    /// The run's order ledger (for checking two runs together).
    private(set) var ledger = OrderLedger()
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
        if event.event.node == "queue" { queueIncarnations.observe(event) }
        let kind = event.event.kind
        guard kind == .orderDecision || kind.rawValue.hasPrefix("queue.") || kind == .executorCommit,
            let decoded = state.protocolEvent(event)
        else { return }
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
        if finished.contains(order) {
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
            if repeats { duplicate(order, event, what: event.event.kind.rawValue, earlier: nil) }
            return
        }
        var entry = orders[order] ?? OrderState()
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
            if orders[order] == nil { return }
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
            if orders[order] == nil { return }
        }
        if entry.complete {
            counts.ok += 1
            if entry.redelivered { counts.recovered += 1 }
            orders[order] = nil
            finished.insert(order)
        } else {
            orders[order] = entry
        }
    }

    /// The queue's snapshot of what waits: at start after replaying its log, or at a clean stop.
    private func durability(_ event: RunEvent, waiting: [String], recentCommits: [String]?) {
        examined += 1
        durableWaiting = Set(waiting)
        guard let recentCommits else { return }
        forgetUnsyncedEnqueues(recovered: event, waiting: durableWaiting ?? [], recentCommits: Set(recentCommits))
        for order in recentCommits {
            var entry = orders[order] ?? OrderState()
            entry.loggedCommit = entry.loggedCommit ?? event
            orders[order] = entry
        }
        for order in waiting where !finished.contains(order) {
            var entry = orders[order] ?? OrderState()
            if entry.enqueues == 0 { entry.recoveredUntraced = true }
            // Nothing of this run seen yet: left waiting by an earlier run (unless its decision comes later).
            if entry.decision == nil && entry.enqueues == 0 && !entry.carried {
                entry.carried = true
                carriedIDs.insert(order)
                ledger.carried.append(order)
            }
            orders[order] = entry
        }
    }

    /// A restarted queue that neither holds nor lists as committed an order an earlier process traced as enqueued
    /// lost that enqueue with the unsynced tail of its log: the process was killed after tracing the enqueue and
    /// before its record was durable, so it never acknowledged it. The orchestrator's retry then stores the order
    /// again, which is not a duplicate. (An acknowledged order the queue lost is still reported: nothing enqueues
    /// it again, so it ends lost.)
    private func forgetUnsyncedEnqueues(recovered: RunEvent, waiting: Set<String>, recentCommits: Set<String>) {
        for (order, entry) in orders
        where entry.enqueues > 0 && entry.queueCommits == 0 && !waiting.contains(order)
            && !recentCommits.contains(order) && entry.enqueue?.event.pid != recovered.event.pid
        {
            var forgotten = entry
            forgotten.enqueues = 0
            forgotten.enqueue = nil
            orders[order] = forgotten
            info["enqueues lost with a killed queue's unsynced log tail", default: 0] += 1
        }
    }

    private func duplicate(_ order: String, _ event: RunEvent, what: String, earlier: RunEvent?) {
        counts.duplicated += 1
        var finding = builder(
            "order \(EventDescriber.shortID(order)): duplicated \(what)",
            rule: "exactly-once: each approved order is enqueued once and committed once")
        if let earlier {
            let first = finding.name(earlier)
            let second = finding.name(event)
            finding.step("\(first) is the first \(what) of order \(order).")
            finding.step("However \(second) is a second one.")
        } else {
            let label = finding.name(event)
            finding.step("Order \(order) was already approved, enqueued and committed once.")
            finding.step("However \(label) repeats its \(what).")
        }
        report(finding.finding)
    }

    override func finish(_ state: RunState) {
        var waiting = 0
        var missingCommits: [(order: String, entry: OrderState, gap: QueueIncarnations.Gap?)] = []
        for order in orders.keys.sorted() {
            let entry = orders[order]!
            let gap = entry.executorCommit.flatMap { queueIncarnations.gap(holding: $0.event.clock["queue"]) }
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

    private func lost(_ order: String, _ entry: OrderState) {
        counts.lost += 1
        var finding = builder(
            "order \(EventDescriber.shortID(order)) was lost",
            rule: "exactly-once: every approved order is committed (lost)")
        if let decision = entry.decision {
            let label = finding.name(decision)
            finding.step("\(label) approves order \(order).")
        } else {
            finding.step("The queue recovered order \(order) from an earlier run, waiting.")
        }
        if let enqueue = entry.enqueue {
            let label = finding.name(enqueue)
            finding.step("\(label) stores it in the queue.")
            finding.step("However the queue never commits it" + (entry.redelivered ? " (it was redelivered)." : "."))
        } else {
            finding.step("However the queue never stores it (no queue.enqueue).")
        }
        report(finding.finding)
    }

    /// `order`, recovered by the queue before anything of it was seen, turned out to be approved in this run.
    private func uncarry(_ order: String) {
        carriedIDs.remove(order)
        ledger.carried.removeAll { $0 == order }
    }

    /// The executor recorded the queue's "committed" answer to its ack (given only once the commit is durable), or the
    /// restarted queue replayed the commit from its log, but the queue's trace lost its `queue.commit`: cut by a kill
    /// (committed, with the evidence in the executor's trace or the queue's recovery), or in a damaged part of the
    /// file (unverifiable: the executor's word is all there is). One finding for all such orders, with the evidence.
    private func commitsMissingFromTheQueueTrace(
        _ missing: [(order: String, entry: OrderState, gap: QueueIncarnations.Gap?)], _ state: RunState
    ) {
        let health = state.health["queue"]
        let damaged = health?.corrupt == true
        for item in missing { ledger.committed.append(item.order) }
        let key = damaged ? "unverifiable" : "committed, the queue's trace lost the commit"
        info[key, default: 0] += missing.count
        let orders =
            missing.count == 1
            ? "order \(EventDescriber.shortID(missing[0].order))" : "\(missing.count) orders"
        var finding = builder(
            damaged
                ? "\(orders) unverifiable: committed per the executors, but the queue's trace is damaged"
                : "\(orders): committed, but the queue's trace lost \(missing.count == 1 ? "its commit" : "their commits")",
            rule: damaged
                ? "a damaged trace cannot verify exactly-once for the orders it lost (unverifiable, not a violation)"
                : "the queue's process ended between its durable commit and its trace record",
            severity: .warning)
        if let health, !health.problems.isEmpty {
            finding.step("\(health.path): " + health.problems.prefix(2).joined(separator: "; ") + ".")
        }
        for (order, entry, gap) in missing.prefix(3) { explainMissingCommit(&finding, order, entry, gap) }
        if missing.count > 3 {
            let rest = missing.dropFirst(3).prefix(10).map { EventDescriber.shortID($0.order) }
            finding.step(
                "And \(missing.count - 3) more order(s) the same way: " + rest.joined(separator: ", ")
                    + (missing.count > 13 ? ", …" : "") + ".")
        }
        report(finding.finding)
    }

    private func explainMissingCommit(
        _ finding: inout FindingBuilder, _ order: String, _ entry: OrderState, _ gap: QueueIncarnations.Gap?
    ) {
        if let decision = entry.decision {
            let label = finding.name(decision)
            finding.step("\(label) approves order \(order).")
        }
        if let commit = entry.executorCommit {
            let label = finding.name(commit)
            finding.step(
                "\(label) records the queue's answer to its ack: committed "
                    + "(the answer carries the queue's counter \(commit.event.clock["queue"])).")
        }
        if let recovered = entry.loggedCommit {
            let label = finding.name(recovered)
            finding.step("\(label): the restarted queue replayed its commit from the log (recent_commits).")
        }
        if let gap {
            let before = finding.name(gap.before)
            if let after = gap.after {
                let next = finding.name(after)
                finding.step(
                    "However the queue's trace has nothing between \(before) and \(next) "
                        + "(its counters \(gap.first)…\(gap.last) are missing), so it has no queue.commit of it.")
            } else {
                finding.step(
                    "However the queue's trace of that process ends at \(before) (counter \(gap.first - 1)), "
                        + "incomplete after a kill, so it has no queue.commit of it.")
            }
        } else {
            finding.step("However the queue's trace, incomplete after a kill, has no queue.commit of it.")
        }
    }

    private func unexpected(_ order: String, _ entry: OrderState, _ state: RunState) {
        counts.unexpected += 1
        let orchestratorLost = entry.decision == nil && state.mayHaveLost("orchestrator")
        var finding = builder(
            "order \(EventDescriber.shortID(order)) was processed without an approval",
            rule: "exactly-once: only approved orders are enqueued and committed (unexpected)",
            severity: orchestratorLost ? .warning : .violation)
        for event in [entry.enqueue, entry.queueCommit, entry.executorCommit].compactMap({ $0 }) {
            let label = finding.name(event)
            finding.step("\(label) handles order \(order).")
        }
        if let decision = entry.decision {
            let label = finding.name(decision)
            finding.step("However \(label) decided \(entry.decisionStatus ?? "?").")
        } else {
            finding.step(
                "However no order.decision approved it"
                    + (orchestratorLost ? " (the orchestrator's trace is incomplete)." : "."))
        }
        report(finding.finding)
    }

    /// The queue committed the order once, under a lease whose executor recorded that none of its acks got an answer
    /// (the replies were lost): executed and committed once; only the executor's own record of it is missing.
    private func commitNeverHeardOf(_ order: String, _ entry: OrderState, _ unanswered: RunEvent) {
        counts.ok += 1
        info["committed, the executor never heard back", default: 0] += 1
        var finding = builder(
            "order \(EventDescriber.shortID(order)): committed, but its executor never heard back",
            rule: "the replies to every ack of the lease were lost; the commit happened once", severity: .warning)
        if let commit = entry.queueCommit {
            let label = finding.name(commit)
            finding.step("\(label) commits order \(order) at the queue.")
        }
        let label = finding.name(unanswered)
        finding.step("However \(label): no ack of that lease got an answer, so the executor has no commit record.")
        report(finding.finding)
    }

    private func unmatchedCommit(_ order: String, _ entry: OrderState, _ state: RunState) {
        let executor = entry.queueCommit.flatMap { commit in
            commit.event.payload(QueueCommit.self)?.ack.executor.map { "executor-\($0)" }
        }
        let killed = entry.executorCommits == 0 && executor.map { state.mayHaveLost($0) } ?? false
        let damaged = executor.flatMap { state.health[$0] }.flatMap { $0.corrupt ? $0 : nil }
        if !killed { counts.unexpected += 1 }
        if killed && damaged != nil { info["unverifiable", default: 0] += 1 }
        var finding = builder(
            "order \(EventDescriber.shortID(order)): queue and executor disagree on its commit"
                + (killed && damaged != nil ? " (unverifiable: the executor's trace is damaged)" : ""),
            rule: killed
                ? (damaged != nil
                    ? "a damaged trace cannot verify exactly-once for the events it lost (unverifiable)"
                    : "the executor's process ended between the queue's commit and its own record")
                : "exactly-once: the queue's commit and the executor's commit match",
            severity: killed ? .warning : .violation)
        if killed, let damaged {
            finding.step("\(damaged.path): " + damaged.problems.prefix(2).joined(separator: "; ") + ".")
        }
        if let commit = entry.queueCommit {
            let label = finding.name(commit)
            finding.step("\(label) commits order \(order) at the queue.")
        }
        if let commit = entry.executorCommit {
            let label = finding.name(commit)
            finding.step("\(label) records the order as executed.")
        }
        finding.step(
            "However the queue committed it \(entry.queueCommits) time(s) and the executor "
                + "\(entry.executorCommits) time(s).")
        report(finding.finding)
    }
}
