import Histogram

/// What the load generator knows about its requests' timing (pure: the times are passed in, in nanoseconds on one
/// monotonic clock), kept in HdrHistograms (3 significant digits).
///
/// Each request has three times: when it was meant to leave (`intended`), when it really left (`sent`) and when
/// its final answer came (`completed`, after any retries). Latency is `completed − intended`: in a closed loop the
/// two first are the same moment; in an open loop a request that waited for a free connection counts the wait.
/// `service` is `completed − sent` (what a closed-loop tool would have reported), `lag` is `sent − intended`.
public struct LatencyAccounting: Sendable {
    /// A request that left later than this after its intended time was sent late.
    public static let lateThresholdNanos: UInt64 = 1_000_000

    public private(set) var latency = Self.nanosecondHistogram()
    public private(set) var service = Self.nanosecondHistogram()
    public private(set) var lag = Self.nanosecondHistogram()
    /// Requests sent more than `lateThresholdNanos` after their intended time.
    public private(set) var lateSends = 0
    /// The earliest intended time and the latest completion seen (nil before the first request).
    public private(set) var firstIntended: UInt64?
    public private(set) var lastCompleted: UInt64?

    public init() {}

    /// Requests recorded.
    public var count: Int { Int(clamping: latency.totalCount) }

    /// Records one request. Times out of order (a completion before the intended or sent time) count as zero
    /// rather than wrapping around.
    public mutating func record(intended: UInt64, sent: UInt64, completed: UInt64) {
        let late = sent > intended ? sent - intended : 0
        latency.record(completed > intended ? completed - intended : 0)
        service.record(completed > sent ? completed - sent : 0)
        lag.record(late)
        if late > Self.lateThresholdNanos { lateSends += 1 }
        firstIntended = min(firstIntended ?? intended, intended)
        lastCompleted = max(lastCompleted ?? completed, completed)
    }

    /// Adds another thread's records to these.
    public mutating func merge(_ other: LatencyAccounting) {
        latency.add(other.latency)
        service.add(other.service)
        lag.add(other.lag)
        lateSends += other.lateSends
        if let first = other.firstIntended { firstIntended = min(firstIntended ?? first, first) }
        if let last = other.lastCompleted { lastCompleted = max(lastCompleted ?? last, last) }
    }

    /// True when the generator could not keep to its schedule: more than 1 % of the requests (and at least one)
    /// left over `lateThresholdNanos` late. Latencies still count from the intended times; the achieved rate is
    /// then below the intended one, and more connections are needed to measure the server at the intended rate.
    public var fellBehind: Bool {
        lateSends > 0 && lateSends * 100 > count
    }

    /// An empty histogram of nanoseconds (3 significant digits) sized up front for values up to 10 s, and growing
    /// past that. Sized up front because the library grows a histogram through unspecialized generic code, element
    /// by element: growing 30 open-loop clients' histograms to tens of milliseconds took ~0.5 s of CPU, in the
    /// first 200 ms of the schedule, and showed as that much latency on every request due then.
    public static func nanosecondHistogram() -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        return histogram
    }

    /// The value at `percentile` of a histogram, in milliseconds (0 when it is empty).
    public static func milliseconds(_ histogram: Histogram<UInt64>, percentile: Double) -> Double {
        histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1e6
    }

    /// The largest value of a histogram, in milliseconds (0 when it is empty).
    public static func maxMilliseconds(_ histogram: Histogram<UInt64>) -> Double {
        histogram.totalCount == 0 ? 0 : Double(histogram.max) / 1e6
    }
}
