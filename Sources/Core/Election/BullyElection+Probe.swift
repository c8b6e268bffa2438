/// What the shell learned when it probed the suspected leader (with the `status` call it already serves).
public enum LeaderProbeResult: Sendable, Hashable {
    /// The leader answered: it leads `leading` (nil: it does not lead any epoch now).
    case answered(leading: Epoch?)
    /// The leader's port refused the connection or reset it: the process is gone.
    case refused
    /// No answer before the probe's deadline: the leader is stalled, paused or cut off (or slow).
    case timedOut
}

/// A probe of the leader under way: its number (results of older probes are ignored) and whom it asks.
struct LeaderProbe: Sendable, Hashable {
    var number: UInt64
    var leader: Int
}

/// Confirming a suspicion before electing (SWIM's indirect probe, Lifeguard): when the failure detector suspects
/// the leader, the follower first asks the leader directly, with a short deadline. An answer means it is alive
/// (the silence is recorded as a stall, so the detector widens); a refused connection means the process is gone
/// (elect at once); no answer in time keeps the suspicion (probe again) until the silence reaches the detector's
/// ceiling, and only then elects. Safety never depends on this: a stale leader is fenced by epochs and the queue.
extension BullyElection {
    /// Whether suspicion is confirmed by a probe before an election (`probeTimeout` > 0).
    var probes: Bool { configuration.probeTimeout > 0 }

    /// The longest silence a follower waits for a leader it cannot reach but that did not refuse: the ceiling.
    var confirmationBound: UInt64 { max(configuration.detector.maximumTimeout, detectionTimeout()) }

    /// The detector timed out on `leader` at `now`: probe it, or (already probing) keep the ceiling timer.
    mutating func suspect(_ leader: Int, silent: UInt64, now: UInt64) -> [BullyDirective] {
        if let probe, probe.leader == leader {
            // A probe is under way; its result (or the ceiling) decides.
            return [arm(.leaderTimeout, deadline: max(Self.after(lastHeardFromLeader, confirmationBound), now))]
        }
        return startProbe(leader, now: now)
    }

    private mutating func startProbe(_ leader: Int, now: UInt64) -> [BullyDirective] {
        probeCount &+= 1
        probe = LeaderProbe(number: probeCount, leader: leader)
        let deadline = Self.after(now, configuration.probeTimeout)
        return [
            .probeLeader(leader, probe: probeCount, deadline: deadline),
            arm(.leaderTimeout, deadline: max(Self.after(lastHeardFromLeader, confirmationBound), now)),
        ]
    }

    /// The shell's probe number `number` of the leader ended with `result` at `now`.
    public mutating func onProbeResult(
        _ result: LeaderProbeResult, probe number: UInt64, now: UInt64
    )
        -> [BullyDirective]
    {
        defer { assert(invariantsHold, "Bully invariants") }
        guard role == .follower, let probe, probe.number == number, let current, current.leader == probe.leader
        else { return [] }
        let silent = now > lastHeardFromLeader ? now - lastHeardFromLeader : 0
        switch result {
        case .answered(let leading?) where leading == current:
            // Alive and leading: a false suspicion. The silence becomes a sample (a stall), so the detector widens.
            self.probe = nil
            heard(at: now)
            return [armLeaderTimeout(now: now)]
        case .answered(let leading?) where leading > current:
            learn(leading)
            self.probe = nil
            return adopt(leading, now: now)
        case .answered:
            return confirmed(probe.leader, silent: silent, why: "does not lead \(current) any more", now: now)
        case .refused:
            return confirmed(probe.leader, silent: silent, why: "refused the probe", now: now)
        case .timedOut:
            // Stalled, paused or cut off: keep suspecting; probe again while the ceiling is not near.
            guard Self.after(silent, configuration.probeTimeout) < confirmationBound else {
                self.probe = nil
                return [arm(.leaderTimeout, deadline: max(Self.after(lastHeardFromLeader, confirmationBound), now))]
            }
            return startProbe(probe.leader, now: now)
        }
    }

    private mutating func confirmed(_ leader: Int, silent: UInt64, why: String, now: UInt64) -> [BullyDirective] {
        [.leaderTimedOut(leader: leader, silentNanos: silent)]
            + startElection(reason: "leader \(leader) silent for \(silent / 1_000_000) ms and \(why)", now: now)
    }
}
