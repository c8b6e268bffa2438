import Causality
import ClusterProtocol
import Election
import TraceFormat

/// Check 6: mutual exclusion. Dequeues by different executors are never concurrent unless the queue's
/// fencing serialised them (the older lease ended at the queue before the newer one was granted, and the older
/// executor never committed it); and on the queue's timeline no two leases are active at once.
final class MutualExclusionCheck: RunCheck {
    private struct Dequeue {
        var event: RunEvent
        var lease: Int64
        /// Executors whose later dequeues were already compared with this one.
        var compared: Set<String> = []
    }

    private var lastDequeue: [String: Dequeue] = [:]
    /// Active leases on the queue's timeline, by lease id.
    private var active: [Int64: (event: RunEvent, holder: Holder)] = [:]
    private var granted: [Int64: RunEvent] = [:]
    private var ended: [Int64: RunEvent] = [:]
    /// Leases whose dequeue was concurrent with a later executor's and excused by fencing.
    private var excused: [Int64: RunEvent] = [:]
    private var highestLease: Int64 = 0
    /// The node that grants leases (the queue), once seen.
    private var queueNode: String?
    /// The first event of the queue's latest process: it ended every lease of the processes before it.
    private var restart: RunEvent?
    private static let leaseWindow: Int64 = 4_096
    /// Concurrent dequeues whose verdict waits for the queue file's health (see `considerConcurrent`).
    private struct Undecided {
        var earlier: Dequeue
        var event: RunEvent
        var lease: Int64
        var end: RunEvent?
        var grant: RunEvent?
    }
    private var undecided: [Undecided] = []
    /// Overlap findings, reported at `finish` (a violation, or unverifiable when the queue's file lost lines).
    private var pendingOverlaps: [Finding] = []

    /// Who holds a lease: its executor and epoch.
    private struct Holder: Equatable {
        var executor: Int?
        var epoch: Epoch?
    }

    /// Overlaps already explained: the lease of each reported overlap (both sides) → the finding's title. A later
    /// grant that overlaps only such leases is a consequence of that finding, counted into it, not a new one.
    private var overlapCause: [Int64: String] = [:]
    /// Per reported overlap (by title): the later grants that overlapped only as its consequence.
    private var consequences: [String: (count: Int, first: [Int64])] = [:]

    /// What a lease event means to this check, decoded from its payload.
    private enum Step {
        case lease(renewed: Bool, holder: Holder)
        case ended
        case queueCommit
        case dequeue
        case executorCommit(committed: Bool)
    }

    /// The lease an event is about and what it means; nil for other events.
    private static func step(_ event: ProtocolEvent) -> (lease: UInt64, step: Step)? {
        func ended(_ lease: UInt64?) -> (UInt64, Step)? { lease.map { ($0, .ended) } }
        switch event {
        case .queueLease(let payload):
            let holder = Holder(executor: payload.executor, epoch: payload.epoch)
            return payload.lease.map { ($0, .lease(renewed: payload.renewed == true, holder: holder)) }
        case .queueCommit(let commit): return commit.ack.lease.map { ($0, .queueCommit) }
        case .queueLeaseExpired(let expired): return ended(expired.end.lease)
        case .queueLeaseRevoked(let revoked): return ended(revoked.end.lease)
        case .queueLeaseReleased(let released): return ended(released.end.lease)
        case .executorDequeue(let dequeue): return dequeue.lease.map { ($0, .dequeue) }
        case .executorCommit(let commit): return commit.lease.map { ($0, .executorCommit(committed: commit.committed)) }
        default: return nil
        }
    }

    init(options: CheckOptions) {
        super.init(
            number: 6, name: "mutual-exclusion", title: "one executor works at a time; leases never overlap",
            options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        if state.startsIncarnation(event), event.envelope.node == queueNode { queueRestarted(event) }
    }

    /// Sees an event with a protocol payload (`decoded`, `RunState.protocolEvent`) after `observe(_:_:)`: the engine
    /// decodes it once for this check and exactly-once.
    func observe(_ event: RunEvent, decoded: ProtocolEvent?) {
        let kind = event.kindCode
        guard kind.isQueue || kind.isExecutor, let decoded, let (id, step) = Self.step(decoded) else { return }
        let lease = Int64(clamping: id)
        examined += 1
        switch step {
        case .lease(let renewed, let holder):
            if queueNode == nil { queueNode = event.envelope.node }
            if !renewed { grant(event, lease: lease, holder: holder) }
            active[lease] = (event, holder)
        case .ended:
            leaseEnded(event, lease: lease)
        case .queueCommit:
            if let end = ended[lease], end.envelope.kind != .queueCommit {
                committedAfterEnd(event, lease: lease, end: end)
            }
            leaseEnded(event, lease: lease)
        case .dequeue:
            dequeue(event, lease: lease)
        case .executorCommit(let committed):
            if committed, let dequeue = excused[lease] {
                var finding = builder(
                    "\(event.envelope.node) committed lease \(lease) after the queue had ended it",
                    rule: "mutual exclusion: a fenced (revoked or expired) lease is never committed")
                let first = finding.name(dequeue)
                let second = finding.name(event)
                finding.step(
                    "\(first) was concurrent with a later executor's dequeue; that was allowed only "
                        + "because the queue ended lease \(lease) first.")
                finding.step("However \(second) reports the order committed under lease \(lease).")
                report(finding.finding)
            }
        }
    }

    private func leaseEnded(_ event: RunEvent, lease: Int64) {
        active[lease] = nil
        overlapCause[lease] = nil
        // The first end counts: a commit after a revocation must not hide the revocation from later checks.
        if ended[lease] == nil { ended[lease] = event }
    }

    /// The queue committed a lease it had already ended (revoked by a newer epoch, expired or released): the fencing
    /// that keeps a deposed leader's late ack out failed.
    private func committedAfterEnd(_ event: RunEvent, lease: Int64, end: RunEvent) {
        let how: String
        switch end.envelope.kind {
        case .queueLeaseRevoked: how = "revoked"
        case .queueLeaseExpired: how = "expired"
        case .queueLeaseReleased: how = "released"
        default: how = "ended"
        }
        var finding = builder(
            "the queue committed lease \(lease) after it had \(how) it",
            rule: "fencing: a lease the queue revoked, expired or released is never committed (the ack is refused)")
        let first = finding.name(end)
        let second = finding.name(event)
        finding.step("\(first): the queue \(how) lease \(lease); its order went back to the queue.")
        finding.step(
            "\(second) comes after \(first) on the queue's timeline "
                + "(queue \(end.counter(end.envelope.node)) < \(event.counter(event.envelope.node))).")
        finding.step("However \(second) commits the order under lease \(lease) instead of refusing the ack.")
        report(finding.finding)
    }

    /// A new queue process: the leases of the old one ended with it (an in-memory queue forgets them and may reuse
    /// their ids; a durable queue revokes them when it replays its log).
    private func queueRestarted(_ event: RunEvent) {
        restart = event
        info["queue restarts", default: 0] += 1
        active.removeAll()
        granted.removeAll()
        ended.removeAll()
        excused.removeAll()
        lastDequeue.removeAll()
        overlapCause.removeAll()
    }

    private func grant(_ event: RunEvent, lease: Int64, holder: Holder) {
        // One leader works on several orders at once (one lease per slot): only leases of another executor or
        // epoch may not overlap.
        let overlapping = active.keys.sorted().filter { other in
            other != lease && !(holder.executor != nil && active[other]!.holder == holder)
        }
        granted[lease] = event
        if lease > highestLease {
            highestLease = lease
            if granted.count > Int(Self.leaseWindow) * 2 { prune() }
        }
        guard !overlapping.isEmpty else { return }
        let explained = overlapping.compactMap { overlapCause[$0] }
        if explained.count == overlapping.count, let cause = explained.first {
            // Only leases of an overlap already reported are still active: a consequence of that one.
            var entry = consequences[cause] ?? (0, [])
            entry.count += 1
            if entry.first.count < 5 { entry.first.append(lease) }
            consequences[cause] = entry
            overlapCause[lease] = cause
            info["overlaps caused by an earlier overlap", default: 0] += 1
            return
        }
        let other = overlapping.first { overlapCause[$0] == nil }!
        let held = active[other]!.event
        let title = "lease \(lease) granted while lease \(other) was still active"
        var finding = builder(title, rule: "no two leases overlap on the queue's timeline")
        let first = finding.name(held)
        let second = finding.name(event)
        finding.step("\(first) granted lease \(other); no commit, expiry or revocation of it precedes \(second).")
        finding.step("However \(second) grants lease \(lease) while lease \(other) is still active.")
        if overlapping.count > 1 {
            let rest = overlapping.filter { $0 != other }.map(String.init).joined(separator: ", ")
            finding.step("Leases \(rest) of another holder were active then too.")
        }
        // Whether the queue's file lost the lease's end is known only at the end (`finish`).
        pendingOverlaps.append(finding.finding)
        for involved in overlapping + [lease] where overlapCause[involved] == nil { overlapCause[involved] = title }
    }

    /// The findings, with each overlap's consequences (later grants that overlapped only its leases) told in it.
    override var result: CheckResult {
        var result = super.result
        for index in result.findings.indices {
            guard let entry = consequences[result.findings[index].title] else { continue }
            let leases = entry.first.map(String.init).joined(separator: ", ") + (entry.count > 5 ? ", …" : "")
            result.findings[index].steps.append(
                "And \(entry.count) later lease\(entry.count == 1 ? "" : "s") (\(leases)) overlap as a consequence: "
                    + "they overlap only the leases above, which stay active; not reported again.")
        }
        return result
    }

    private func prune() {
        let floor = highestLease - Self.leaseWindow
        granted = granted.filter { $0.key >= floor }
        ended = ended.filter { $0.key >= floor }
        excused = excused.filter { $0.key >= floor }
    }

    private func dequeue(_ event: RunEvent, lease: Int64) {
        let node = event.envelope.node
        // A lease granted by an earlier queue process (its dequeue knows the queue only before the restart), merged
        // after the restart: the restart ended it.
        if let restart, let queueNode, granted[lease] == nil,
            event.counter(queueNode) < restart.counter(queueNode)
        {
            ended[lease] = restart
        }
        for other in lastDequeue.keys.sorted() where other != node {
            guard var earlier = lastDequeue[other], !earlier.compared.contains(node) else { continue }
            earlier.compared.insert(node)
            lastDequeue[other] = earlier
            guard earlier.event.compare(event) == .concurrent else { continue }
            considerConcurrent(earlier, event, lease: lease)
        }
        lastDequeue[node] = Dequeue(event: event, lease: lease)
    }

    /// Two concurrent dequeues: a finding now, or — when the queue's trace lacks the older lease's end or the newer
    /// one's grant — once the files' health is known (`finish`): a queue file that lost lines makes it unverifiable.
    private func considerConcurrent(_ earlier: Dequeue, _ event: RunEvent, lease: Int64) {
        let olderFirst = earlier.lease <= lease
        let (older, newer) = olderFirst ? (earlier.lease, lease) : (lease, earlier.lease)
        let (end, grant) = (ended[older], granted[newer])
        if end == nil || grant == nil {
            undecided.append(Undecided(earlier: earlier, event: event, lease: lease, end: end, grant: grant))
        } else {
            report(concurrent(earlier, event, lease: lease, end: end, grant: grant, queueLostLines: false))
        }
    }

    override func finish(_ state: RunState) {
        let lost = state.mayHaveLostLines(queueNode ?? "queue")
        for var overlap in pendingOverlaps {
            if lost {
                let original = overlap.title
                overlap.severity = .warning
                overlap.title += " (unverifiable: the queue's trace lost lines)"
                overlap.steps.append(
                    "The queue's file is damaged, cut or has malformed lines: the end of the older lease may be in the "
                        + "part that was lost. Unverifiable, not a violation.")
                if let entry = consequences.removeValue(forKey: original) { consequences[overlap.title] = entry }
            }
            report(overlap)
        }
        pendingOverlaps.removeAll()
        for pending in undecided {
            report(
                concurrent(
                    pending.earlier, pending.event, lease: pending.lease, end: pending.end, grant: pending.grant,
                    queueLostLines: lost))
        }
        undecided.removeAll()
    }

    private func concurrent(
        _ earlier: Dequeue, _ event: RunEvent, lease: Int64, end: RunEvent?, grant: RunEvent?, queueLostLines: Bool
    ) -> Finding {
        let a = earlier.event.event
        let b = event.event
        // The lease granted first must have ended before the other was granted (whichever dequeue was traced first).
        let olderFirst = earlier.lease <= lease
        let (older, newer) = olderFirst ? (earlier.lease, lease) : (lease, earlier.lease)
        let fenced: Bool = {
            guard let end, let grant, end.envelope.node == grant.envelope.node else { return false }
            return end.counter(end.envelope.node) < grant.counter(grant.envelope.node)
                && end.envelope.kind.rawValue != "queue.commit"
        }()
        // Without the end or the grant, a queue file that lost lines cannot say which came first: unverifiable.
        let unverifiable = !fenced && queueLostLines && (end == nil || grant == nil)
        let note =
            fenced ? " (serialised by fencing)" : unverifiable ? " (unverifiable: the queue's trace lost lines)" : ""
        var finding = builder(
            "dequeues by \(a.node) and \(b.node) are concurrent" + note,
            rule: fenced
                ? "mutual exclusion held through the queue's fencing token; the deposed leader never learned it"
                : "mutual exclusion: dequeues by different executors are causally ordered",
            severity: fenced || unverifiable ? .warning : .violation)
        let first = finding.name(earlier.event)
        let second = finding.name(event)
        finding.step("\(first) and \(second) are dequeues by different executors (\(a.node), \(b.node)).")
        finding.step(
            "\(first) ↛ \(second): vc(\(first))[\(a.node)] = \(a.clock[a.node]) > "
                + "vc(\(second))[\(a.node)] = \(b.clock[a.node]).")
        finding.step(
            "\(second) ↛ \(first): vc(\(second))[\(b.node)] = \(b.clock[b.node]) > "
                + "vc(\(first))[\(b.node)] = \(a.clock[b.node]).")
        finding.step("So \(first) ∥ \(second): both executors held an order at once, as far as causality shows.")
        if fenced, let end, let grant {
            let third = finding.name(end)
            let fourth = finding.name(grant)
            let ended = end.counter(end.envelope.node)
            let started = grant.counter(grant.envelope.node)
            finding.step(
                "However \(third) ended lease \(older) before \(fourth) granted lease \(newer) "
                    + "(\(end.envelope.node) \(ended) < \(started)): "
                    + "the queue serialised them, and a commit of lease \(older) would be refused.")
            excused[older] = olderFirst ? earlier.event : event
        } else if unverifiable {
            let missing = [
                end == nil ? "the end of lease \(older)" : nil, grant == nil ? "the grant of lease \(newer)" : nil,
            ]
            finding.step(
                "The queue's trace does not show " + missing.compactMap { $0 }.joined(separator: " or ")
                    + ", but its file is damaged, cut or has malformed lines: the queue may have ended lease "
                    + "\(older) first in the part that was lost. Unverifiable, not a violation.")
        } else {
            finding.step("And the queue did not end lease \(older) before granting lease \(newer).")
        }
        return finding.finding
    }
}
