import Cluster
import Foundation
import Synchronization
import Testing

/// The open loop's baseline (`bookstore-bench checkout`'s `GET /healthz` row): the probe sends each request of the
/// schedule at its intended time, on as many threads as it has clients, counts failures, and measures latency from
/// the intended times, so a stalled request shows in the figures instead of being hidden.
@Suite struct OpenLoopProbeTests {
    @Test func eachRequestLeavesAtItsIntendedTimeOnTheProbesThreadsAndFailuresAreCounted() throws {
        let schedule = try #require(OpenLoopSchedule(rate: 400, count: 120))
        let calls = Mutex((count: 0, threads: Set<Int>()))
        let result = OpenLoopProbe(schedule: schedule, concurrency: 4).run { thread in
            let call = calls.withLock { calls -> Int in
                calls.count += 1
                calls.threads.insert(thread)
                return calls.count
            }
            return call % 10 != 0
        }
        #expect(result.timing.count == 120)
        #expect(result.errors == 12)
        #expect(calls.withLock { $0.threads }.isSubset(of: Set(0..<4)))
        // 120 requests 2.5 ms apart: the last is due at 297.5 ms; as fast as possible would take about nothing.
        #expect(result.seconds >= 0.29 && result.seconds < 1.5, "\(result.seconds) s")
        #expect(result.perSecond > 80 && result.perSecond <= 410, "\(result.perSecond)/s")
    }

    @Test func aStalledRequestCountsItsStallFromTheIntendedTimesOfTheRequestsBehindIt() throws {
        // One client and one request that takes 200 ms: the 40 requests due behind it leave late, and their
        // latency counts the wait.
        let schedule = try #require(OpenLoopSchedule(rate: 200, count: 60))
        let seen = Atomic(0)
        let result = OpenLoopProbe(schedule: schedule, concurrency: 1).run { _ in
            if seen.wrappingAdd(1, ordering: .relaxed).oldValue == 10 { Thread.sleep(forTimeInterval: 0.2) }
            return true
        }
        #expect(result.errors == 0 && result.timing.count == 60)
        #expect(result.timing.fellBehind && result.timing.lateSends >= 30, "\(result.timing.lateSends)")
        // Requests 11…50 were due during the stall and left together at its end: from their intended times they
        // waited up to ~195 ms, so the 90th percentile is far above what they took once sent (~0).
        let p90 = LatencyAccounting.milliseconds(result.timing.latency, percentile: 90)
        #expect(p90 >= 100, "from the intended times: \(p90) ms")
        let p50Service = LatencyAccounting.milliseconds(result.timing.service, percentile: 50)
        #expect(p50Service < 50, "measured from the actual sends, most requests took no time: \(p50Service) ms")
    }

    @Test func theTimeItsClientsTakeToComeUpIsNotChargedToTheFirstRequests() throws {
        // Every client takes 300 ms to come up (its thread, its connection): a schedule started before that would
        // have every request due in those 300 ms late, and the median of this 300 ms schedule ~150 ms late.
        let schedule = try #require(OpenLoopSchedule(rate: 400, count: 120))
        let result = OpenLoopProbe(schedule: schedule, concurrency: 4).run(
            prepare: { _ in Thread.sleep(forTimeInterval: 0.3) }, { _ in true })
        #expect(result.timing.count == 120 && result.errors == 0)
        let p50 = LatencyAccounting.milliseconds(result.timing.latency, percentile: 50)
        #expect(p50 < 50, "the schedule starts once the clients are up: p50 \(p50) ms")
        #expect(result.seconds >= 0.29 && result.seconds < 1.5, "\(result.seconds) s, from the schedule's start")
    }

    @Test func theScheduleStartsOnceEveryClientHasPreparedAndEachClientRunsWithItsOwnState() {
        let prepared = Atomic(0)
        let seenAtStart = Mutex(-1)
        let ran = Mutex([Int: (start: Int, state: Int)]())
        let prepare: @Sendable (Int) -> Int = { index in
            Thread.sleep(forTimeInterval: 0.01 * Double(index))
            prepared.wrappingAdd(1, ordering: .relaxed)
            return index * 10
        }
        let start = { () -> Int in
            seenAtStart.withLock { $0 = prepared.load(ordering: .relaxed) }
            return 42
        }
        ConcurrentClients.run(6, prepare: prepare, start: start) { index, start, state in
            state += 1
            ran.withLock { $0[index] = (start, state) }
        }
        #expect(seenAtStart.withLock { $0 } == 6, "start() ran after all six prepared")
        let runs = ran.withLock { $0 }
        #expect(runs.count == 6)
        #expect(runs.allSatisfy { $0.value.start == 42 && $0.value.state == $0.key * 10 + 1 })
    }
}
