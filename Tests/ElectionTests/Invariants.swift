import Election
import Testing

/// Invariant checks usable after any simulator run. Each records an issue naming the seed, so a failing run
/// can be replayed, and returns whether the invariant held.
extension Simulator {
    /// (a) Election safety: at most one node ever claims leadership of any one epoch, and it is the epoch's own
    /// leader id. Claims are read both from `leaderChanged(epoch)` with `epoch.leader == node` and from the
    /// moments a node's `isLeader` turned true.
    @discardableResult
    func checkElectionSafety(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        var claimants: [Epoch: Set<Int>] = [:]
        for change in leaderChanges where change.epoch.leader == change.node {
            claimants[change.epoch, default: []].insert(change.node)
        }
        for change in leadership where change.isLeader {
            guard let epoch = change.epoch else {
                Issue.record("seed \(seed): node \(change.node) leads without an epoch", sourceLocation: sourceLocation)
                return false
            }
            claimants[epoch, default: []].insert(change.node)
        }
        var held = true
        for (epoch, nodes) in claimants.sorted(by: { $0.key < $1.key }) where nodes != [epoch.leader] {
            Issue.record(
                "seed \(seed): epoch \(epoch) claimed by nodes \(nodes.sorted())", sourceLocation: sourceLocation)
            held = false
        }
        return held
    }

    /// (b) The epochs a node adopts (`leaderChanged`) strictly increase within one incarnation. A restarted node
    /// remembers nothing, so each incarnation is checked on its own.
    @discardableResult
    func checkEpochsNeverDecrease(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        var last: [Int: (incarnation: Int, epoch: Epoch)] = [:]
        var held = true
        for change in leaderChanges {
            if let previous = last[change.node], previous.incarnation == change.incarnation,
                change.epoch <= previous.epoch
            {
                let message =
                    "seed \(seed): node \(change.node) went from epoch \(previous.epoch) "
                    + "to \(change.epoch) at \(change.time / ms) ms"
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
                held = false
            }
            last[change.node] = (change.incarnation, change.epoch)
        }
        return held
    }

    /// (c) Liveness, once the cluster had time to settle: every live node follows the same epoch, led by the
    /// highest live id, and exactly that node considers itself leader.
    @discardableResult
    func checkConverged(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let live = liveIDs
        guard let highest = live.max() else {
            Issue.record("seed \(seed): no live node", sourceLocation: sourceLocation)
            return false
        }
        let views = live.map { "\($0)→\(election($0).current.map(\.description) ?? "nil")/\(election($0).role)" }
        let epoch = election(highest).current
        let agreed = live.allSatisfy { election($0).current == epoch }
        guard agreed, epoch?.leader == highest, currentLeaders == [highest] else {
            Issue.record(
                "seed \(seed): at \(now / ms) ms not converged on leader \(highest): \(views.joined(separator: " "))",
                sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    /// Quiescence: since `since` no live node started an election, and every live node but the leader follows.
    /// (A cluster that agrees on its leader but keeps holding elections would hide a broken failure detector.)
    @discardableResult
    func checkQuiet(since: UInt64, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let live = Set(liveIDs)
        let restless = electionStarts.filter { $0.time >= since && live.contains($0.node) }
        let notFollowing = live.sorted().filter { !election($0).isLeader && election($0).role != .follower }
        guard restless.isEmpty, notFollowing.isEmpty else {
            let first = restless.first.map { "node \($0.node) at \($0.time / ms) ms (\($0.reason))" } ?? "none"
            let stuck = notFollowing.map { "\($0)/\(election($0).role)" }
            let message =
                "seed \(seed): not quiet since \(since / ms) ms: \(restless.count) elections, "
                + "first \(first); stuck \(stuck)"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    /// No node settles as a follower of an epoch that names itself: `leader == id` must mean it leads (a
    /// restarted node told of its previous incarnation's epoch must campaign, not wait for its own heartbeats).
    @discardableResult
    func checkNoNodeFollowsItself(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard let first = selfFollows.first else { return true }
        let message =
            "seed \(seed): node \(first.node) follows its own epoch \(first.epoch) "
            + "at \(first.time / ms) ms (\(selfFollows.count) times)"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        return false
    }

    /// (a), (b) and self-consistency, which must hold at any moment of any run.
    @discardableResult
    func checkSafety(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let safe = checkElectionSafety(sourceLocation: sourceLocation)
        let coherent = checkNoNodeFollowsItself(sourceLocation: sourceLocation)
        return checkEpochsNeverDecrease(sourceLocation: sourceLocation) && safe && coherent
    }

    /// Ends all faults, lets the healthy cluster run for `healthy` (2 s by default), then checks safety,
    /// convergence, and that the last second was quiet.
    @discardableResult
    func settleAndCheck(healthy: UInt64 = 2_000 * ms, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        stopFaults()
        run(for: healthy - 1_000 * ms)
        let quietSince = now
        run(for: 1_000 * ms)
        let safe = checkSafety(sourceLocation: sourceLocation)
        let converged = checkConverged(sourceLocation: sourceLocation)
        return checkQuiet(since: quietSince, sourceLocation: sourceLocation) && converged && safe
    }
}
