/// How a follower's `watch` of its leader ended.
public enum LeaderWatchResult: Sendable, Hashable {
    /// The leader's server ended the hold and answered: it leads `leading` (nil: it leads no epoch now).
    case answered(leading: Epoch?)
    /// The connection was refused, reset or closed without an answer: on one host, what a killed process's
    /// kernel does to its sockets. The leader is probably gone.
    case broken
    /// No answer before the deadline, or an error reply: says nothing (a stall, a partition, a busy leader).
    case failed
}

/// A watch of the leader under way: its number (results of older watches are ignored), whom it asks, and when.
struct LeaderWatch: Sendable, Hashable {
    var number: UInt64
    var leader: Int
    var startedAt: UInt64
}

/// Noticing a crashed leader without fast heartbeats: every follower keeps one long-held `watch` call to its leader
/// under way. The leader holds it up to `watchHold` and answers early when it stops leading the watched epoch; when
/// the leader's process dies, its kernel closes the connection and the call fails at once. A broken watch is not
/// trusted alone: it starts the probe (`BullyElection+Probe`) right away, and the probe's refused connection (or
/// its answer) decides, as it does after a detector timeout. Heartbeats stay (they carry the epoch and feed the
/// detector, which still catches a stalled or cut-off leader) but can be slow: a kill no longer waits for them.
extension BullyElection {
    /// Whether followers watch their leader (`watchHold` > 0).
    var watches: Bool { configuration.watchHold > 0 }

    /// Starts a watch of the leader this follower follows, when it has none under way.
    mutating func watchLeader(now: UInt64) -> [BullyDirective] {
        guard watches, role == .follower, watch == nil, let current, current.leader != id else { return [] }
        watchCount &+= 1
        watch = LeaderWatch(number: watchCount, leader: current.leader, startedAt: now)
        return [
            .watchLeader(
                current.leader, epoch: current, watch: watchCount, hold: configuration.watchHold,
                deadline: Self.after(now, configuration.watchDeadline))
        ]
    }

    /// The shell's watch number `number` of the leader ended with `result` at `now`.
    public mutating func onWatchEnded(
        _ result: LeaderWatchResult, watch number: UInt64, now: UInt64
    )
        -> [BullyDirective]
    {
        defer { assert(invariantsHold, "Bully invariants") }
        guard let watch, watch.number == number else { return [] }
        self.watch = nil
        guard role == .follower, let current, current.leader == watch.leader else { return [] }
        switch result {
        case .answered(let leading?) where leading == current:
            // Alive and still leading: a sign of life. Watch again at once if the leader held the call (a leader
            // that answered early without a change waits for the next heartbeat, so no loop spins).
            lastHeardFromLeader = max(lastHeardFromLeader, now)
            let held = now &- min(now, watch.startedAt) >= configuration.watchHold / 2
            return held ? watchLeader(now: now) : []
        case .answered(let leading?) where leading > current:
            learn(leading)
            return adopt(leading, now: now)
        case .answered:
            // It says it does not lead the epoch (any more, or not yet published): the probe decides.
            return confirm(watch.leader, why: "answered its watch without leading \(current)", now: now)
        case .broken:
            return confirm(watch.leader, why: "broke its watch", now: now)
        case .failed:
            // Inconclusive: the detector keeps watching the heartbeats; the next one starts a new watch.
            return []
        }
    }

    /// Probes `leader` now rather than at the detector's timeout (a probe under way already decides); without
    /// probes, elects.
    private mutating func confirm(_ leader: Int, why: String, now: UInt64) -> [BullyDirective] {
        guard probes else {
            return [.leaderTimedOut(leader: leader, silentNanos: silence(now))]
                + startElection(reason: "leader \(leader) \(why)", now: now)
        }
        return suspect(leader, silent: silence(now), now: now)
    }

    /// How long the leader this node follows has been silent at `now`.
    func silence(_ now: UInt64) -> UInt64 { now > lastHeardFromLeader ? now - lastHeardFromLeader : 0 }
}
