#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The phi-accrual failure detector (Hayashibara, Défago, Yared, Katayama, "The φ Accrual Failure Detector",
/// 2004) over the inter-arrival times of one peer's heartbeats, as a pure value type.
///
/// Instead of a yes/no timeout it gives a suspicion level `phi(at:)` = −log10(probability that the next heartbeat
/// is still to come after this much silence), with the inter-arrival times modelled as a normal distribution whose
/// mean and deviation come from the last `windowSize` gaps (a ring buffer: bounded memory). Because stalls of a
/// loaded scheduler are heavier-tailed than a normal distribution, `suspicionTimeout` also waits at least
/// `gapFactor` × the largest gap in the window.
///
/// Arrival times are inputs (`heartbeat(at:)`); nothing reads a clock. Time going backwards is ignored and huge
/// gaps are clamped to `maximumTimeout`, so no input makes the arithmetic trap.
public struct PhiAccrualDetector: Sendable, Hashable {
    public let settings: FailureDetectorSettings
    /// The gaps, oldest overwritten first once `windowSize` are kept.
    private var gaps: [UInt64] = []
    private var next = 0
    /// The latest arrival (nil before the first, or after `restart`).
    public private(set) var lastArrival: UInt64?
    /// The largest gap remembered beyond the window and when it ended (it decays with `peakHalfLife`).
    private var peakGap: UInt64 = 0
    private var peakAt: UInt64 = 0
    /// The number of standard deviations above the mean at which phi reaches `phiThreshold`.
    private let z: Double

    public init(settings: FailureDetectorSettings) {
        self.settings = settings
        self.z = Self.deviations(forPhi: settings.phiThreshold)
    }

    /// Gaps kept now (at most `windowSize`).
    public var sampleCount: Int { gaps.count }

    /// A heartbeat (or any sign of life) arrived at `now`. The gap since the previous arrival becomes a sample.
    public mutating func heartbeat(at now: UInt64) {
        guard let last = lastArrival else {
            lastArrival = now
            return
        }
        // A clock that went backwards (or two arrivals stamped out of order) gives no sample.
        guard now >= last else { return }
        lastArrival = now
        let gap = min(now - last, settings.maximumTimeout)
        record(gap)
        if Double(gap) >= rememberedPeak {
            peakGap = gap
            peakAt = now
        }
    }

    /// The remembered peak gap, decayed to the last arrival (silence does not make it decay).
    public var rememberedPeak: Double {
        guard settings.peakHalfLife > 0, let last = lastArrival, peakGap > 0 else { return 0 }
        let age = last > peakAt ? Double(last - peakAt) : 0
        return Double(peakGap) * exp2(-age / Double(settings.peakHalfLife))
    }

    /// Forgets the last arrival (a new leader: the gap to its first heartbeat is not a sample); keeps the history.
    public mutating func restart(at now: UInt64) {
        lastArrival = now
    }

    private mutating func record(_ gap: UInt64) {
        let capacity = max(settings.windowSize, 1)
        if gaps.count < capacity {
            gaps.append(gap)
        } else {
            if next >= capacity { next = 0 }
            gaps[next] = gap
            next += 1
        }
    }

    /// The mean gap in nanoseconds (0 without samples).
    public var mean: Double {
        guard !gaps.isEmpty else { return 0 }
        return gaps.reduce(0.0) { $0 + Double($1) } / Double(gaps.count)
    }

    /// The standard deviation of the gaps, at least `minimumDeviation`.
    public var deviation: Double {
        let floor = Double(settings.minimumDeviation)
        guard gaps.count > 1 else { return floor }
        let mean = self.mean
        let variance = gaps.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(gaps.count)
        return max(variance.squareRoot(), floor)
    }

    /// The largest gap in the window (0 without samples).
    public var largestGap: UInt64 { gaps.max() ?? 0 }

    /// The suspicion level after silence since the last arrival, at `now`: 0 before any arrival or sample.
    public func phi(at now: UInt64) -> Double {
        guard let last = lastArrival, now > last, !gaps.isEmpty else { return 0 }
        return Self.phi(silence: Double(now - last), mean: mean, deviation: deviation)
    }

    /// How long a silence after the last arrival makes phi reach the threshold, at least `gapFactor` × the largest
    /// recent gap (the phi term only once `minimumSamples` gaps are known). 0 when nothing is known yet.
    public var suspicionTimeout: UInt64 {
        let factor = settings.gapFactor.isFinite ? max(settings.gapFactor, 0) : 0
        let guardTimeout = FailureDetectorSettings.nanos(max(Double(largestGap), rememberedPeak) * factor)
        guard gaps.count >= max(settings.minimumSamples, 1) else { return min(guardTimeout, settings.maximumTimeout) }
        let phiTimeout = FailureDetectorSettings.nanos(mean + z * deviation)
        return min(max(phiTimeout, guardTimeout), settings.maximumTimeout)
    }

    /// −log10(1 − Φ((silence − mean) / deviation)), with Φ the normal distribution; capped at 300.
    static func phi(silence: Double, mean: Double, deviation: Double) -> Double {
        guard deviation > 0, deviation.isFinite, mean.isFinite, silence.isFinite else { return 0 }
        let y = (silence - mean) / deviation
        let later = 0.5 * erfc(y / 2.0.squareRoot())
        guard later > 1e-300 else { return 300 }
        return min(-log10(later), 300)
    }

    /// The number of deviations above the mean at which phi reaches `threshold` (found by bisection; a threshold
    /// that is not a positive finite number means 0).
    static func deviations(forPhi threshold: Double) -> Double {
        guard threshold.isFinite, threshold > 0 else { return 0 }
        var (low, high) = (-10.0, 40.0)
        for _ in 0..<80 {
            let middle = (low + high) / 2
            if phi(silence: middle, mean: 0, deviation: 1) < threshold { low = middle } else { high = middle }
        }
        return high
    }
}
