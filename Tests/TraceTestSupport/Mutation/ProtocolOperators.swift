import Causality
import ClusterProtocol
import Election
import SeededRandom
import TraceFormat

/// Mutations of the protocol rules of docs/trace-format.md §4.7: leases, elections, exactly-once. The planted
/// events are ordinary local events; their clocks are re-simulated like every other.
enum ProtocolOperators {
    static let all: [MutationOperator] = [
        MutationOperator("concurrent-leases", rule: "check 6: no two leases overlap", .events(concurrentLeases)),
        MutationOperator("two-leaders-per-epoch", rule: "check 7: one leader per epoch", .events(twoLeaders)),
        MutationOperator(
            "commit-of-revoked-lease", rule: "check 6: a fenced lease is never committed", .events(revokedCommit)),
        MutationOperator(
            "re-claimed-epoch-after-restart", rule: "check 7: an epoch is announced once", .events(reclaimed)),
        MutationOperator("lost-order", rule: "check 8: every approved order is committed", .events(lostOrder)),
        MutationOperator("double-commit", rule: "check 8: committed once", .events(doubleCommit)),
        MutationOperator(
            "commit-without-approval", rule: "check 8: only approved orders are committed", .events(unapproved)),
    ]

    /// Events of any node whose payload decodes as `P`, with where they are.
    static func find<P: TraceEventPayload>(
        _ run: MutationRun, _ type: P.Type, where keep: (P) -> Bool = { _ in true }
    )
        -> [(node: String, index: Int, payload: P)]
    {
        var result: [(String, Int, P)] = []
        for node in run.nodes {
            for (index, event) in run.events[node]!.enumerated() where event.event.kind == P.kind {
                if let payload = event.event.payload(P.self), keep(payload) { result.append((node, index, payload)) }
            }
        }
        return result
    }

    /// A local event of `node` carrying `payload`, modelled on the event at `index` (trace ids dropped).
    static func local<P: TraceEventPayload>(
        _ run: MutationRun, _ node: String, _ index: Int, _ payload: P
    ) -> TraceEvent {
        var event = run.events[node]![index].event
        event.kind = P.kind
        event.data = payload.encoded()
        return event
    }

    static func concurrentLeases(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let grants = find(run, QueueLease.self) { $0.renewed != true && $0.executor != nil && $0.lease != nil }
        guard let (node, index, grant) = rng.pick(grants) else { return nil }
        let highest = grants.compactMap(\.payload.lease).max() ?? 0
        var second = grant
        second.executor = [1, 2, 3].filter { $0 != grant.executor }[rng.below(2)]
        second.lease = highest + 1_000 + UInt64(rng.below(1_000))
        second.delivery = 1
        var run = run
        let id = run.insert(local(run, node, index, second), node: node, at: index + 1)
        return Mutant(
            run: run, planted: [id],
            description: "concurrent-leases: lease \(second.lease!) to executor-\(second.executor!) while lease "
                + "\(grant.lease!) (executor-\(grant.executor!)) is active")
    }

    static func twoLeaders(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let claims = find(run, ElectionLeader.self) { $0.isSelf == true && $0.epoch != nil }
        guard let (node, _, claim) = rng.pick(claims) else { return nil }
        let others = run.nodes.filter { $0 != node && $0.hasPrefix("executor-") && run.events[$0]!.count > 1 }
        guard let other = rng.pick(others) else { return nil }
        let position = 1 + rng.below(run.events[other]!.count - 1)
        var run = run
        let id = run.insert(local(run, other, position - 1, claim), node: other, at: position)
        return Mutant(
            run: run, planted: [id],
            description: "two-leaders-per-epoch: \(other) also claims \(claim.epoch!) at line \(position + 1)")
    }

    static func revokedCommit(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let commits = find(run, QueueCommit.self) { $0.ack.lease != nil && $0.ack.epoch != nil }
        guard let (node, index, commit) = rng.pick(commits) else { return nil }
        let list = run.events[node]!
        guard
            let grant = list[..<index].lastIndex(where: { $0.event.payload(QueueLease.self)?.lease == commit.ack.lease }
            )
        else { return nil }
        let position = grant + 1 + rng.below(index - grant)
        let epoch = commit.ack.epoch!
        let revoke = QueueLeaseRevoked(
            LeaseEnd(order: commit.ack.order, executor: commit.ack.executor, epoch: epoch, lease: commit.ack.lease),
            by: Epoch(term: epoch.term + 1, leader: epoch.leader))
        var run = run
        let id = run.insert(local(run, node, position - 1, revoke), node: node, at: position)
        let committed = run.events[node]![index + 1].id
        return Mutant(
            run: run, planted: [committed, id],
            description: "commit-of-revoked-lease: lease \(commit.ack.lease!) revoked before its commit "
                + list[index].event.handle)
    }

    /// An executor restarts (a real restart of the run, or one made where no call of it is open: later events get a
    /// new pid, seq from 1 and an own entry continued above a reservation, §1.5) and announces an epoch its earlier
    /// incarnation claimed, before it adopts any epoch.
    static func reclaimed(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        var spots: [(node: String, index: Int, claim: ElectionLeader, real: Bool)] = []
        for node in run.nodes where node.hasPrefix("executor-") {
            let list = run.events[node]!
            var claimed: [ElectionLeader] = []
            var open = 0
            for (index, event) in list.enumerated() {
                if event.startsIncarnation { open = 0 }
                if index > 0, !claimed.isEmpty, open == 0, index + 1 < list.count,
                    !list[index..<index + 2].contains(where: { $0.event.kind == ElectionLeader.kind })
                {
                    spots += claimed.map { (node, index, $0, event.startsIncarnation) }
                }
                switch event.event.kind {
                case .rpcSend, .rpcReceive: open += 1
                case .rpcReplyReceive, .rpcFailure, .rpcReplySend: open = max(0, open - 1)
                default: break
                }
                if let leader = event.event.payload(ElectionLeader.self), leader.isSelf == true {
                    claimed.append(leader)
                }
            }
        }
        guard let (node, index, claim, real) = rng.pick(spots) else { return nil }
        var run = run
        if !real { restart(&run, node: node, at: index) }
        let id = run.insert(local(run, node, index, claim), node: node, at: index + 1)
        return Mutant(
            run: run, planted: [id],
            description: "re-claimed-epoch-after-restart: \(node) restarts at line \(index + 1)"
                + (real ? "" : " (made)") + " and announces \(claim.epoch!) again")
    }

    /// Makes `node` restart before its event at `index`: a new pid, seq from 1, the own entry above a reservation.
    static func restart(_ run: inout MutationRun, node: String, at index: Int) {
        var list = run.events[node]!
        let pid = list[index].event.pid &+ 7_919
        var position = index
        var sequence: UInt64 = 1
        while position < list.count && (position == index || !list[position].startsIncarnation) {
            list[position].event.pid = pid
            list[position].event.sequence = sequence
            sequence += 1
            position += 1
        }
        list[index].startsIncarnation = true
        let own = list[index - 1].event.clock[node]
        list[index].extra = list[index].extra.merged(with: VectorClock([node: own + 100_000]))
        run.events[node] = list
    }

    /// An approved order's commits (queue and executor) are removed: it is never committed.
    static func lostOrder(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let commits = find(run, QueueCommit.self)
        guard let (node, index, commit) = rng.pick(commits) else { return nil }
        let order = commit.ack.order
        let decisions = find(run, OrderDecision.self) { $0.order == order && $0.approved }
        guard let decision = decisions.first else { return nil }
        let enqueue = find(run, QueueEnqueue.self) { $0.order == order && $0.duplicate != true }.first
        var run = run
        let planted =
            [run.events[decision.node]![decision.index].id]
            + (enqueue.map { [run.events[$0.node]![$0.index].id] } ?? [])
        run.remove(node: node, at: index, redirect: nil)
        for (executor, position, _) in find(run, ExecutorCommit.self, where: { $0.order == order }).reversed() {
            run.remove(node: executor, at: position, redirect: nil)
        }
        return Mutant(run: run, planted: planted, description: "lost-order: the commits of order \(order) removed")
    }

    static func doubleCommit(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        guard let (node, index, commit) = rng.pick(find(run, QueueCommit.self)) else { return nil }
        var run = run
        let original = run.events[node]![index]
        let id = run.insert(original.event, node: node, at: index + 1)
        return Mutant(
            run: run, planted: [id],
            description: "double-commit of order \(commit.ack.order) (\(original.event.handle))")
    }

    static func unapproved(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let committed = Set(find(run, QueueCommit.self).map(\.payload.ack.order))
        let decisions = find(run, OrderDecision.self) { $0.approved && committed.contains($0.order) }
        guard let (node, index, decision) = rng.pick(decisions) else { return nil }
        var run = run
        var rejected = decision
        rejected.status = "rejected"
        let id = run.events[node]![index].id
        run.update(id) { $0.data = rejected.encoded() }
        return Mutant(
            run: run, planted: [id], description: "commit-without-approval: order \(decision.order) decided rejected")
    }
}
