/// Lifeguard-style local health awareness (Dadgar et al., "Lifeguard: Local Health Awareness for More Accurate
/// Failure Detection", 2018): a node that notices it is itself starved — its own timers fire late, the messages
/// it received wait long before it handles them — trusts its own view of a silent peer less and widens its
/// timeouts.
///
/// A pure value: the owner reports each lateness it observes with the time of the observation; nothing reads a
/// clock. The score rises with each late observation (more for a longer delay) up to `maximumScore`, and falls by
/// one for every `recovery` nanoseconds without a late observation. Timeouts are multiplied by `multiplier`.
public struct LocalHealth: Sendable, Hashable {
    public let settings: FailureDetectorSettings
    /// 0 (healthy) … `settings.maximumHealthScore` (starved).
    public private(set) var score: Int = 0
    /// Late observations so far (for status and tests).
    public private(set) var lateObservations: UInt64 = 0
    /// The time the score last rose or decayed (the recovery clock runs from here).
    private var lastChange: UInt64 = 0

    public init(settings: FailureDetectorSettings) {
        self.settings = settings
    }

    /// Reports that something this node scheduled for a moment ran `lateness` nanoseconds after it (a timer that
    /// fired late, a received message handled late), observed at `now`.
    public mutating func observe(lateness: UInt64, now: UInt64) {
        decay(now: now)
        guard lateness > settings.lateThreshold else { return }
        lateObservations &+= 1
        // One point for being late, one more for every four thresholds of delay: a long stall is strong evidence.
        let threshold = max(settings.lateThreshold, 1)
        let maximum = max(settings.maximumHealthScore, 0)
        let extra = lateness / threshold / 4
        let increase = extra >= UInt64(maximum) ? maximum : 1 + Int(extra)
        score = min(maximum, score &+ increase)
        lastChange = now
    }

    /// The score after the recovery that is due at `now` (call before reading `multiplier` at a later time).
    public mutating func decay(now: UInt64) {
        guard score > 0 else {
            lastChange = now
            return
        }
        // Time going backwards (a mock clock, a bad input) recovers nothing and does not trap.
        guard now > lastChange, settings.recovery > 0 else { return }
        let steps = (now - lastChange) / settings.recovery
        guard steps > 0 else { return }
        if steps >= UInt64(score) {
            score = 0
            lastChange = now
        } else {
            score -= Int(steps)
            lastChange &+= steps &* settings.recovery
        }
    }

    /// What timeouts are multiplied by: 1 when healthy, `1 + score × healthStep` when starved.
    public var multiplier: Double {
        let step = settings.healthStep.isFinite ? max(settings.healthStep, 0) : 0
        return 1 + Double(score) * step
    }

    /// `nanos` widened by the multiplier, saturating instead of trapping.
    public func widen(_ nanos: UInt64) -> UInt64 {
        FailureDetectorSettings.nanos(Double(nanos) * multiplier)
    }
}
