/// Tuning of the adaptive leader failure detector (`PhiAccrualDetector` and `LocalHealth`), in nanoseconds.
///
/// The detection timeout is `clamp(max(floor, phi, gap) × local health, floor, maximumTimeout)`: `floor` is the
/// configuration's `leaderTimeout` (what a quiet machine gets), `phi` the silence at which the phi-accrual
/// suspicion level reaches `phiThreshold`, `gap` the largest recent heartbeat gap times `gapFactor`.
/// Safety never depends on these numbers (see `BullyConfiguration`); they trade failover speed against needless
/// elections.
public struct FailureDetectorSettings: Sendable, Hashable, Codable {
    /// False: a fixed `leaderTimeout`, as before the adaptive detector (for comparisons).
    public var adaptive: Bool
    /// The longest the detector ever waits, however jittery the heartbeats or starved the node.
    public var maximumTimeout: UInt64
    /// Heartbeat inter-arrival times kept (a ring buffer: memory is bounded).
    public var windowSize: Int
    /// Below this many samples the phi term is not used (the floor and the gap guard still are).
    public var minimumSamples: Int
    /// Suspicion level (phi = −log10 of the probability that a heartbeat is still to come) that means "failed".
    public var phiThreshold: Double
    /// The standard deviation never taken below this (a perfectly regular history would suspect at once).
    public var minimumDeviation: UInt64
    /// The largest gap in the window times this is also waited for (scheduler stalls are heavy-tailed).
    public var gapFactor: Double
    /// The largest gap ever seen is also remembered beyond the window, halving every `peakHalfLife` nanoseconds
    /// (0: not at all), so a stall a minute ago still widens the tolerance.
    public var peakHalfLife: UInt64
    /// A timer firing, or a received message handled, more than this late counts as local starvation.
    public var lateThreshold: UInt64
    /// The highest local health score (Lifeguard's local health multiplier is `1 + score × healthStep`).
    public var maximumHealthScore: Int
    /// How much each health point widens the timeouts.
    public var healthStep: Double
    /// The score falls by one for each `recovery` nanoseconds without a late observation.
    public var recovery: UInt64

    public init(
        adaptive: Bool = true, maximumTimeout: UInt64, windowSize: Int = 512, minimumSamples: Int = 16,
        phiThreshold: Double = 8, minimumDeviation: UInt64, gapFactor: Double = 1.5,
        peakHalfLife: UInt64 = 60_000_000_000, lateThreshold: UInt64,
        maximumHealthScore: Int = 8, healthStep: Double = 0.5, recovery: UInt64 = 2_000_000_000
    ) {
        self.adaptive = adaptive
        self.maximumTimeout = maximumTimeout
        self.windowSize = windowSize
        self.minimumSamples = minimumSamples
        self.phiThreshold = phiThreshold
        self.minimumDeviation = minimumDeviation
        self.gapFactor = gapFactor
        self.peakHalfLife = peakHalfLife
        self.lateThreshold = lateThreshold
        self.maximumHealthScore = maximumHealthScore
        self.healthStep = healthStep
        self.recovery = recovery
    }

    /// Defaults for a heartbeat interval and a quiet-machine timeout: at most 12 × the floor (at least 1 s when
    /// the floor is in milliseconds), σ at least a quarter interval, late means more than half an interval late.
    public static func defaults(heartbeatInterval: UInt64, leaderTimeout: UInt64) -> FailureDetectorSettings {
        let ceiling = leaderTimeout.multipliedReportingOverflow(by: 12)
        return FailureDetectorSettings(
            maximumTimeout: ceiling.overflow ? UInt64.max : ceiling.partialValue,
            minimumDeviation: heartbeatInterval / 4, lateThreshold: heartbeatInterval / 2)
    }

    /// `value` nanoseconds as a `UInt64`: NaN and negatives are 0, values beyond the range saturate.
    public static func nanos(_ value: Double) -> UInt64 {
        guard value.isFinite else { return value == .infinity ? UInt64.max : 0 }
        guard value > 0 else { return 0 }
        guard value < 18_446_744_073_709_549_568 else { return UInt64.max }
        return UInt64(value)
    }
}
