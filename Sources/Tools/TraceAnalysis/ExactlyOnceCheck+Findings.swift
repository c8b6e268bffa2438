import ClusterProtocol
import TraceFormat

/// The explanations of the exactly-once check: one finding per broken order (lost, duplicated, unexpected,
/// disagreeing), and one per group of orders a damaged or cut queue trace lost the commits of.
extension ExactlyOnceCheck {
    func duplicate(_ order: String, _ event: RunEvent, what: String, earlier: RunEvent?) {
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

    func lost(_ order: String, _ entry: OrderState) {
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

    /// The executor recorded the queue's "committed" answer to its ack (given only once the commit is durable), or the
    /// restarted queue replayed the commit from its log, but the queue's trace lost its `queue.commit`: cut by a kill
    /// (committed, with the evidence in the executor's trace or the queue's recovery), or in a damaged part of the
    /// file (unverifiable: the executor's word is all there is). One finding for all such orders, with the evidence.
    func commitsMissingFromTheQueueTrace(
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
            finding.step(health.problems.prefix(2).joined(separator: "; ") + ".")
        }
        var named: [UInt64: (before: String, after: String?)] = [:]
        for (order, entry, gap) in missing.prefix(3) { explainMissingCommit(&finding, order, entry, gap, &named) }
        if missing.count > 3 {
            let rest = missing.dropFirst(3).prefix(10).map { EventDescriber.shortID($0.order) }
            finding.step(
                "And \(missing.count - 3) more order(s) the same way: " + rest.joined(separator: ", ")
                    + (missing.count > 13 ? ", …" : "") + ".")
        }
        report(finding.finding)
    }

    func explainMissingCommit(
        _ finding: inout FindingBuilder, _ order: String, _ entry: OrderState, _ gap: QueueIncarnations.Gap?,
        _ named: inout [UInt64: (before: String, after: String?)]
    ) {
        if let decision = entry.decision {
            let label = finding.name(decision)
            finding.step("\(label) approves order \(order).")
        }
        if let commit = entry.executorCommit {
            let label = finding.name(commit)
            finding.step(
                "\(label) records the queue's answer to its ack: committed "
                    + "(the answer carries the queue's counter \(commit.clock["queue"])).")
        }
        if let recovered = entry.loggedCommit {
            let label = finding.name(recovered)
            finding.step("\(label): the restarted queue replayed its commit from the log (recent_commits).")
        }
        if let gap {
            // The gap's events are named once, however many orders it lost.
            let labels =
                named[gap.first] ?? (finding.name(gap.before), gap.after.map { finding.name($0) })
            named[gap.first] = labels
            if let next = labels.after {
                finding.step(
                    "However the queue's trace has nothing between \(labels.before) and \(next) "
                        + "(its counters \(gap.first)…\(gap.last) are missing), so it has no queue.commit of it.")
            } else {
                finding.step(
                    "However the queue's trace of that process ends at \(labels.before) (counter \(gap.first - 1)), "
                        + "incomplete after a kill, so it has no queue.commit of it.")
            }
        } else {
            finding.step("However the queue's trace, incomplete after a kill, has no queue.commit of it.")
        }
    }

    func unexpected(_ order: String, _ entry: OrderState, _ state: RunState) {
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
    func commitNeverHeardOf(_ order: String, _ entry: OrderState, _ unanswered: RunEvent) {
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

    func unmatchedCommit(_ order: String, _ entry: OrderState, _ state: RunState) {
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
            finding.step(damaged.problems.prefix(2).joined(separator: "; ") + ".")
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
