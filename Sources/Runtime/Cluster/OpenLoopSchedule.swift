/// The fixed send schedule of an open-loop load: request `i` is meant to leave at `start + i / rate`, whatever
/// happened to the requests before it (pure: no clock is read here).
///
/// Measuring each request's latency from this intended time, not from the moment it was really sent, is what
/// keeps a stalled server from hiding its stall: a request that had to wait for a free connection counts the wait
/// (no coordinated omission).
public struct OpenLoopSchedule: Sendable, Equatable {
    /// Requests per second.
    public let rate: Double
    /// How many requests the schedule holds.
    public let count: Int

    /// A schedule of `count` requests at `rate` per second; nil unless the rate is finite and positive, at most
    /// one request a nanosecond, and the count positive.
    public init?(rate: Double, count: Int) {
        guard rate.isFinite, rate > 0, rate <= 1e9, count > 0 else { return nil }
        self.rate = rate
        self.count = count
    }

    /// The schedule that sends at `rate` for `duration` (`rate · duration` requests, rounded down, at least one).
    public init?(rate: Double, duration: Duration) {
        let seconds = duration.secondsValue
        guard seconds > 0, seconds <= 86_400, rate.isFinite, rate > 0 else { return nil }
        let total = (rate * seconds).rounded(.down)
        guard total < Double(Int32.max) else { return nil }
        self.init(rate: rate, count: max(1, Int(total)))
    }

    /// How far ahead of the moment a run is set up its schedule starts, so that the client threads are up before the
    /// first request is due.
    public static let leadNanoseconds: UInt64 = 20_000_000

    /// Nanoseconds from the start to request `index`'s intended send time (computed from the index, so the
    /// schedule does not drift however many requests came before).
    public func intendedOffset(of index: Int) -> UInt64 {
        let nanos = (Double(max(0, index)) * 1e9 / rate).rounded(.down)
        return nanos < 1.8e19 ? UInt64(nanos) : UInt64.max
    }

    /// The intended send time of request `index` on a clock on which the schedule started at `start`.
    public func intendedTime(of index: Int, start: UInt64) -> UInt64 {
        let (sum, overflow) = start.addingReportingOverflow(intendedOffset(of: index))
        return overflow ? UInt64.max : sum
    }

    /// Nanoseconds from the start to the last request's intended send time plus one interval: how long sending
    /// the whole schedule on time takes.
    public var nominalNanoseconds: UInt64 { intendedOffset(of: count) }
}
