import Foundation
import RPC
import Synchronization

/// An open loop of one cheap request (the orchestrator's `GET /healthz`) on the load generator's schedule, threads
/// and connections: the latency floor that the host, the loopback transport and the generator itself give any
/// open loop at that rate. Set next to the checkout's open loop, measured in the same run, it tells how much of the
/// checkout's tail is the checkout's own (a host that takes its virtual CPUs away for tens of milliseconds shows
/// the same tail here).
public struct OpenLoopProbe: Sendable {
    /// What the probe measured.
    public struct Result: Sendable {
        /// Latency from each request's intended send time, service time and send lag (as the load generator's).
        public var timing: LatencyAccounting
        /// Requests that failed or were not answered 200.
        public var errors: Int
        /// From the schedule's start (the first intended send time) to the last answer.
        public var seconds: Double

        /// Requests answered per second over the run.
        public var perSecond: Double { seconds > 0 ? Double(timing.count) / seconds : 0 }
    }

    public let schedule: OpenLoopSchedule
    /// Client threads, each with its own connection.
    public let concurrency: Int

    public init(schedule: OpenLoopSchedule, concurrency: Int) {
        self.schedule = schedule
        self.concurrency = max(1, concurrency)
    }

    /// Sends request `index` of the schedule by calling `request(thread)` on a free client thread at its intended
    /// time (`request` answers whether it succeeded); latency counts from the intended time. Each thread first calls
    /// `prepare(thread)` (opens its connection); the schedule starts when all have.
    public func run(
        prepare: @escaping @Sendable (_ thread: Int) -> Void = { _ in },
        _ request: @escaping @Sendable (_ thread: Int) -> Bool
    ) -> Result {
        let next = LoadTally.NextIndex()
        let merged = Mutex((timing: LatencyAccounting(), errors: 0))
        let schedule = self.schedule
        let startTime = { MonotonicClock.nanos() + OpenLoopSchedule.leadNanoseconds }
        let prepareThread: @Sendable (Int) -> LatencyAccounting = { thread in
            prepare(thread)
            return LatencyAccounting()
        }
        let began = ConcurrentClients.run(concurrency, prepare: prepareThread, start: startTime) {
            thread, start, timing in
            var errors = 0
            while let index = next.take(limit: schedule.count) {
                let intended = schedule.intendedTime(of: index, start: start)
                LoadGenerator.sleep(until: intended)
                let sent = MonotonicClock.nanos()
                if !request(thread) { errors += 1 }
                timing.record(intended: intended, sent: sent, completed: MonotonicClock.nanos())
            }
            merged.withLock {
                $0.timing.merge(timing)
                $0.errors += errors
            }
        }
        let (timing, errors) = merged.withLock { ($0.timing, $0.errors) }
        let end = timing.lastCompleted ?? began
        return Result(timing: timing, errors: errors, seconds: end > began ? Double(end - began) / 1e9 : 0)
    }
}
