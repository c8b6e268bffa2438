import Cluster
import Foundation
import Testing

/// The load generator's pure parts: the open loop's schedule, latency accounting from intended send times, the
/// progress line, and the /proc readers of the checkout benchmark.
@Suite struct LoadAccountingTests {
    @Test func theScheduleSpacesRequestsEvenlyAndDoesNotDrift() throws {
        let schedule = try #require(OpenLoopSchedule(rate: 1000, duration: .seconds(10)))
        #expect(schedule.count == 10_000)
        #expect(schedule.intendedOffset(of: 0) == 0)
        #expect(schedule.intendedOffset(of: 1) == 1_000_000)
        #expect(schedule.intendedOffset(of: 9_999) == 9_999_000_000)
        #expect(schedule.intendedTime(of: 3, start: 500) == 3_000_500)
        let third = try #require(OpenLoopSchedule(rate: 3, count: 4))
        // 1/3 s is not a whole number of nanoseconds: each offset is computed from its index, so none drifts.
        #expect(third.intendedOffset(of: 3) == 1_000_000_000)
        #expect(third.intendedOffset(of: 1) == 333_333_333)
        #expect(third.nominalNanoseconds == 1_333_333_333)
    }

    @Test func aScheduleNeedsAPositiveFiniteRateAndAtLeastOneRequest() {
        #expect(OpenLoopSchedule(rate: 0, count: 10) == nil)
        #expect(OpenLoopSchedule(rate: -5, count: 10) == nil)
        #expect(OpenLoopSchedule(rate: .infinity, count: 10) == nil)
        #expect(OpenLoopSchedule(rate: .nan, count: 10) == nil)
        #expect(OpenLoopSchedule(rate: 10, count: 0) == nil)
        #expect(OpenLoopSchedule(rate: 10, duration: .zero) == nil)
        #expect(OpenLoopSchedule(rate: 0.5, duration: .seconds(1))?.count == 1, "at least one request")
        #expect(OpenLoopSchedule(rate: 250, duration: .milliseconds(100))?.count == 25)
    }

    @Test func latencyCountsFromTheIntendedTimeSoAStallIsNotHidden() {
        // A server that stalls 100 ms on request 0 of a 1 ms schedule, one connection: requests 1…9 wait for it.
        var accounting = LatencyAccounting()
        let ms: UInt64 = 1_000_000
        var free: UInt64 = 0
        for index in 0..<10 {
            let intended = UInt64(index) * ms
            let sent = max(intended, free)
            let completed = sent + (index == 0 ? 100 * ms : ms / 2)
            accounting.record(intended: intended, sent: sent, completed: completed)
            free = completed
        }
        // From the actual sends only the stalled request is slow; from the intended times nine of ten are.
        #expect(LatencyAccounting.milliseconds(accounting.service, percentile: 50) < 1)
        #expect(LatencyAccounting.milliseconds(accounting.latency, percentile: 50) > 90)
        #expect(LatencyAccounting.maxMilliseconds(accounting.latency) > 100)
        #expect(accounting.lateSends == 9)
        #expect(accounting.fellBehind)
        #expect(accounting.count == 10)
    }

    @Test func onTimeSendsAreNotLateAndOutOfOrderTimesCountAsZero() {
        var accounting = LatencyAccounting()
        accounting.record(intended: 1_000, sent: 1_000, completed: 3_000_000)
        accounting.record(intended: 2_000, sent: 2_000 + LatencyAccounting.lateThresholdNanos, completed: 4_000_000)
        accounting.record(intended: 5_000_000, sent: 4_000_000, completed: 4_500_000)
        #expect(accounting.lateSends == 0, "exactly at the threshold is on time")
        #expect(!accounting.fellBehind)
        #expect(accounting.latency.min == 0, "a completion before its intended time counts as 0, not a wrap-around")
        #expect(accounting.firstIntended == 1_000 && accounting.lastCompleted == 4_500_000)
    }

    @Test func aLatencyHistogramHoldsTenSecondsFromTheStartAndStillTakesLongerValues() {
        // Sized up front: growing it as values arrive runs the library's unspecialized element-by-element append,
        // which cost the open loop's clients ~0.5 s of CPU inside the measured window.
        var histogram = LatencyAccounting.nanosecondHistogram()
        #expect(histogram.highestTrackableValue >= 10_000_000_000)
        let short = histogram.record(250_000)
        let long = histogram.record(75_000_000_000)
        #expect(short && long, "a 75 s value still fits: the histogram grows past its size")
        #expect(abs(LatencyAccounting.maxMilliseconds(histogram) - 75_000) < 75)
        #expect(abs(LatencyAccounting.milliseconds(histogram, percentile: 50) - 0.25) < 0.001)
    }

    @Test func mergingThreadsKeepsEveryRecordAndTheLateCount() {
        var first = LatencyAccounting()
        var second = LatencyAccounting()
        first.record(intended: 0, sent: 0, completed: 2_000_000)
        second.record(intended: 0, sent: 5_000_000, completed: 9_000_000)
        second.record(intended: 7, sent: 7, completed: 8)
        first.merge(second)
        #expect(first.count == 3)
        #expect(first.lateSends == 1)
        #expect(first.fellBehind, "one late of three is over 1 %")
        #expect(first.lastCompleted == 9_000_000 && first.firstIntended == 0)
        #expect(LatencyAccounting.maxMilliseconds(first.latency) >= 8.99)
    }

    @Test func theProgressLineShowsShareCountAndRateAndIsThrottled() {
        #expect(
            LoadProgress.line(done: 500, total: 1000, elapsedSeconds: 2, width: 10) == "[█████·····] 50% 500/1000 250/s"
        )
        #expect(LoadProgress.line(done: 0, total: 0, elapsedSeconds: 0, width: 4) == "[····] 0% 0/1 0/s")
        #expect(LoadProgress.due(now: 5, lastDrawn: nil, done: 1, total: 10))
        #expect(!LoadProgress.due(now: 50_000_000, lastDrawn: 0, done: 1, total: 10))
        #expect(LoadProgress.due(now: 100_000_000, lastDrawn: 0, done: 1, total: 10))
        #expect(LoadProgress.due(now: 1, lastDrawn: 0, done: 10, total: 10), "the last one is always drawn")
    }

    @Test func procStatIsReadAfterTheLastParenthesisOfTheCommandName() throws {
        let plain = "4242 (bookstore) S 1 4242 4242 0 -1 4194560 1234 0 0 0 731 205 0 0 20 0 17 0 100 0 0"
        #expect(ProcessCPU.parseStat(plain) == .init(user: 731, system: 205))
        // A command name with spaces and parentheses (a process may name itself anything).
        let odd = "77 (a) b (c) d)) R 1 77 77 0 -1 4194560 9 0 0 0 12 34 0 0 20 0 1 0 5 0 0"
        #expect(ProcessCPU.parseStat(odd) == .init(user: 12, system: 34))
        #expect(ProcessCPU.parseStat(odd)?.total == 46)
        #expect(ProcessCPU.parseStat("") == nil)
        #expect(ProcessCPU.parseStat("12 (x) S 1 2 3") == nil, "too few fields")
        #expect(ProcessCPU.parseStat("12 (x) S 1 2 3 4 5 6 7 8 9 10 -3 5") == nil, "utime must be a count")
        // This process's own stat parses, and its ticks agree with getrusage within a few ticks.
        let own = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        let ticks = try #require(ProcessCPU.parseStat(own))
        let seconds = Double(ticks.total) / ProcessCPU.ticksPerSecond
        #expect(abs(seconds - ProcessCPU.ownSeconds()) < 0.5)
    }

    @Test func cpuSamplesGiveEachProcessItsUseAndNeverANegativeOne() {
        let before = CPUSample(seconds: ["orchestrator": 1.0, "queue": 5.0, "gone": 1], at: 1_000_000_000)
        let after = CPUSample(seconds: ["orchestrator": 1.5, "queue": 2.0, "new": 3], at: 3_000_000_000)
        let (cpu, wall) = after.used(since: before)
        #expect(wall == 2)
        #expect(cpu == ["orchestrator": 0.5, "queue": 0], "a restarted process (counter went back) shows 0")
    }

    @Test func theTCPTableCountsEstablishedClientSocketsToAPort() {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
               1: 0100007F:D431 0100007F:1F91 01 00000000:00000000 00:00000000 00000000     0        0 2 1
               2: 0100007F:1F91 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1
               3: 0100007F:D432 0100007F:1F91 06 00000000:00000000 00:00000000 00000000     0        0 4 1
               4: 0100007F:D433 0100007F:1F91 01 00000000:00000000 00:00000000 00000000     0        0 5 1
               5: garbage
            """
        #expect(TCPConnectionTable.parse(table).count == 5)
        // Port 0x1F91 = 8081: two ESTABLISHED client sockets (the listener, the server's side and a TIME_WAIT
        // socket do not count).
        #expect(TCPConnectionTable.clientPorts(connectedTo: 8081, in: table) == [0xD431, 0xD433])
    }
}
