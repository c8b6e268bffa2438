/// The adaptive failure detector of `BullyElection`: how long a follower lets its leader stay silent, and the
/// timers whose lateness tells the node it is itself starved.
extension BullyElection {
    /// How long a silence of the leader this node tolerates now: `leaderTimeout` on a quiet machine; the phi-accrual
    /// timeout or 1.5 × the largest recent gap when longer; times the local health multiplier; at most
    /// `detector.maximumTimeout` (but never below `leaderTimeout`).
    public func detectionTimeout() -> UInt64 {
        let floor = configuration.leaderTimeout
        let settings = configuration.detector
        guard settings.adaptive else { return floor }
        let base = max(floor, detector.suspicionTimeout)
        return max(min(health.widen(base), settings.maximumTimeout), floor)
    }

    /// `nanos` widened by the local health multiplier (adaptive detector only), at most the detector's ceiling
    /// unless `nanos` itself is above it.
    func widened(_ nanos: UInt64) -> UInt64 {
        guard configuration.detector.adaptive else { return nanos }
        return max(min(health.widen(nanos), configuration.detector.maximumTimeout), nanos)
    }

    /// The leader's detector timer fired at `now`, `lateness` after its deadline (nil: not armed by this node).
    mutating func onLeaderTimeout(now: UInt64, lateness: UInt64?) -> [BullyDirective] {
        health.decay(now: now)
        let silent = now > lastHeardFromLeader ? now - lastHeardFromLeader : 0
        let timeout = detectionTimeout()
        guard silent >= timeout else {
            // A heartbeat arrived after this timer was set, or the tolerance grew: wait for the rest.
            return [armLeaderTimeout(now: now)]
        }
        let settings = configuration.detector
        if settings.adaptive, let lateness, lateness > settings.lateThreshold, silent < settings.maximumTimeout {
            // Lifeguard: this node was starved itself when the timer fired (heartbeats may be waiting behind it).
            // Do not trust the silence yet; look again once the node has caught up (bounded by the ceiling).
            let grace = max(configuration.heartbeatInterval, min(lateness, settings.maximumTimeout))
            return [arm(.leaderTimeout, deadline: Self.after(now, grace))]
        }
        if probes, let leader = current?.leader, leader != id, silent < confirmationBound {
            return suspect(leader, silent: silent, now: now)
        }
        probe = nil
        let who = current.map { "leader \($0.leader)" } ?? "no leader"
        let detail =
            settings.adaptive ? " (tolerance \(timeout / 1_000_000) ms, local health \(health.score))" : ""
        return [.leaderTimedOut(leader: current?.leader, silentNanos: silent)]
            + startElection(reason: "\(who) silent for \(silent / 1_000_000) ms\(detail)", now: now)
    }

    /// A sign of life of the leader this node follows, received at `arrival`.
    mutating func heard(at arrival: UInt64) {
        detector.heartbeat(at: arrival)
        probe = nil
        lastHeardFromLeader = max(lastHeardFromLeader, arrival)
    }

    /// Arms the detector timer for the end of the tolerated silence.
    mutating func armLeaderTimeout(now: UInt64) -> BullyDirective {
        let deadline = Self.after(lastHeardFromLeader, detectionTimeout())
        return arm(.leaderTimeout, deadline: max(deadline, now))
    }

    /// A timer fired: how late it is (nil when this node had not armed it, e.g. it was cancelled), which is also
    /// local health evidence.
    mutating func fired(_ timer: BullyTimer, now: UInt64) -> UInt64? {
        guard let deadline = armed.removeValue(forKey: timer) else { return nil }
        let lateness = now > deadline ? now - deadline : 0
        if configuration.detector.adaptive { health.observe(lateness: lateness, now: now) }
        return lateness
    }

    mutating func arm(_ timer: BullyTimer, after delay: UInt64, _ now: UInt64) -> BullyDirective {
        arm(timer, deadline: Self.after(now, delay))
    }

    mutating func arm(_ timer: BullyTimer, deadline: UInt64) -> BullyDirective {
        armed[timer] = deadline
        return .setTimer(timer, deadline: deadline)
    }

    mutating func cancel(_ timer: BullyTimer) -> BullyDirective {
        armed[timer] = nil
        return .cancelTimer(timer)
    }

    /// `now + delay`, saturating at the end of time instead of trapping.
    static func after(_ now: UInt64, _ delay: UInt64) -> UInt64 {
        let (sum, overflow) = now.addingReportingOverflow(delay)
        return overflow ? UInt64.max : sum
    }
}
