import Cluster
import Foundation
import Testing

/// `bookstore-bench idle`'s pure parts: reading thread names and context switches from /proc texts, the usage
/// between two samples, and the table.
@Suite struct IdleUsageTests {
    static let status = """
        Name:\tMHD-worker
        State:\tS (sleeping)
        Tgid:\t1790
        voluntary_ctxt_switches:\t1234
        nonvoluntary_ctxt_switches:\t56
        """

    @Test func contextSwitchesAreReadFromAStatusText() throws {
        let switches = try #require(ProcessCounters.contextSwitches(ofStatus: Self.status))
        #expect(switches.voluntary == 1234)
        #expect(switches.involuntary == 56)
    }

    @Test func aStatusTextWithoutBothCountersOrWithGarbageGivesNothing() {
        #expect(ProcessCounters.contextSwitches(ofStatus: "voluntary_ctxt_switches:\t3\n") == nil)
        #expect(ProcessCounters.contextSwitches(ofStatus: "") == nil)
        #expect(
            ProcessCounters.contextSwitches(
                ofStatus: "voluntary_ctxt_switches:\t-3\nnonvoluntary_ctxt_switches:\t1\n") == nil)
    }

    @Test func theCommandNameMayHoldSpacesAndParentheses() {
        #expect(ProcessCounters.commandName(ofStat: "1814 (oot.default-qos) S 1 2 3") == "oot.default-qos")
        #expect(ProcessCounters.commandName(ofStat: "7 (a (b) c) R 1") == "a (b) c")
        #expect(ProcessCounters.commandName(ofStat: "7 no name") == nil)
        #expect(ProcessCounters.commandName(ofStat: "7 )x( R") == nil)
    }

    @Test func thisProcessIsReadWithItsMainThread() throws {
        let counters = try #require(ProcessCounters.read(name: "self", pid: getpid()))
        #expect(counters.pid == getpid())
        #expect(counters.threads.contains { $0.tid == getpid() }, "the main thread's tid is the pid")
        #expect(counters.threads.allSatisfy { !$0.name.isEmpty && $0.name != "?" })
        #expect(ProcessCounters.read(name: "none", pid: 0) == nil)
    }

    static func thread(
        _ tid: Int32, _ name: String, ticks: UInt64, voluntary: UInt64, involuntary: UInt64 = 0
    )
        -> ProcessCounters.Thread
    {
        ProcessCounters.Thread(
            tid: tid, name: name, ticks: ticks, voluntarySwitches: voluntary, involuntarySwitches: involuntary)
    }

    @Test func usageIsTheDifferenceOverTheWallTimeAndNewThreadsCountFromZero() throws {
        let before = [
            ProcessCounters(
                name: "queue", pid: 10, ticks: 100,
                threads: [
                    Self.thread(10, "bookstore", ticks: 90, voluntary: 500),
                    Self.thread(11, "x", ticks: 0, voluntary: 7),
                ]),
            ProcessCounters(
                name: "executor-1", pid: 20, ticks: 50, threads: [Self.thread(20, "bookstore", ticks: 50, voluntary: 1)]
            ),
        ]
        let after = [
            ProcessCounters(
                name: "queue", pid: 10, ticks: 110,
                threads: [
                    Self.thread(10, "bookstore", ticks: 95, voluntary: 540, involuntary: 10),
                    Self.thread(11, "x", ticks: 0, voluntary: 7),
                    Self.thread(12, "new", ticks: 3, voluntary: 20),
                ]),
            ProcessCounters(
                name: "executor-1", pid: 20, ticks: 70,
                threads: [Self.thread(20, "bookstore", ticks: 70, voluntary: 201)]),
        ]
        let usage = IdleUsage.between(before, after, seconds: 10, ticksPerSecond: 100)
        #expect(usage.processes.map(\.name) == ["queue", "executor-1"], "the queue before the executors")
        let queue = usage.processes[0]
        #expect(abs(queue.percentOfCore - 1.0) < 1e-9, "10 ticks = 0.1 s of CPU in 10 s: 1 % of a core")
        #expect(abs(queue.cpuMilliseconds - 100) < 1e-9)
        #expect(abs(queue.switchesPerSecond - 7.0) < 1e-9, "(40 + 10 + 20) switches in 10 s")
        #expect(abs(queue.voluntaryPerSecond - 6.0) < 1e-9)
        #expect(queue.threadCount == 3)
        #expect(queue.threads.map(\.tid) == [10, 12], "the idle thread 11 is left out, the busiest first")
        #expect(abs(usage.totalPercentOfCore - 3.0) < 1e-9, "1 % + 20 ticks in 10 s = 2 %")
        #expect(abs(usage.totalSwitchesPerSecond - 27.0) < 1e-9)
    }

    @Test func aProcessRestartedOrMissingBetweenTheSamplesIsLeftOut() {
        let before = [
            ProcessCounters(name: "fraud", pid: 30, ticks: 5, threads: []),
            ProcessCounters(name: "queue", pid: 10, ticks: 5, threads: []),
        ]
        let after = [
            ProcessCounters(name: "fraud", pid: 31, ticks: 1, threads: []),
            ProcessCounters(name: "supervisor", pid: 2, ticks: 9, threads: []),
        ]
        #expect(IdleUsage.between(before, after, seconds: 1).processes.isEmpty)
    }

    @Test func aCounterThatWentBackwardsCountsAsZero() {
        let before = [
            ProcessCounters(name: "queue", pid: 10, ticks: 50, threads: [Self.thread(10, "b", ticks: 50, voluntary: 9)])
        ]
        let after = [
            ProcessCounters(name: "queue", pid: 10, ticks: 40, threads: [Self.thread(10, "b", ticks: 40, voluntary: 3)])
        ]
        let usage = IdleUsage.between(before, after, seconds: 1, ticksPerSecond: 100)
        #expect(usage.processes.first?.percentOfCore == 0)
        #expect(usage.processes.first?.switchesPerSecond == 0)
    }

    @Test func theTableListsProcessesInOrderThenTheTotalAndThreadsOnlyWhenAsked() {
        let sample = { (ticks: UInt64, switches: UInt64) in
            ["supervisor", "executor-2", "orchestrator"].enumerated().map { index, name in
                ProcessCounters(
                    name: name, pid: Int32(index + 1), ticks: ticks,
                    threads: [Self.thread(Int32(index + 1), "worker", ticks: ticks, voluntary: switches)])
            }
        }
        var usage = IdleUsage.between(sample(0, 0), sample(3, 30), seconds: 30, ticksPerSecond: 100)
        usage.loadAverageBefore = "0.10 0.20 0.30"
        usage.loadAverageAfter = "0.11 0.19 0.29"
        let lines = usage.text()
        #expect(lines.count == 6)
        #expect(lines[0] == "Idle cluster over 30.0 s (load average 0.10 0.20 0.30 before, 0.11 0.19 0.29 after)")
        #expect(
            lines[2].hasPrefix("orchestrator ") && lines[3].hasPrefix("executor-2 ")
                && lines[4].hasPrefix("supervisor "))
        #expect(
            lines[2].contains("0.100") && lines[2].contains("1.0"), "3 ticks in 30 s = 0.1 %, 1 switch/s: \(lines[2])")
        #expect(lines[5].hasPrefix("total") && lines[5].contains("0.300") && lines[5].contains("3.0"), "\(lines[5])")
        let withThreads = usage.text(threads: true)
        #expect(withThreads.count == 9)
        #expect(withThreads[3].hasPrefix("  3 worker"), "\(withThreads[3])")
    }

    @Test func theJSONHasTheTotalsAndEveryProcess() throws {
        let before = [ProcessCounters(name: "queue", pid: 10, ticks: 0, threads: [])]
        let after = [ProcessCounters(name: "queue", pid: 10, ticks: 20, threads: [])]
        let usage = IdleUsage.between(before, after, seconds: 20, ticksPerSecond: 100)
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(usage)) as? [String: Any])
        #expect((object["totalPercentOfCore"] as? Double).map { abs($0 - 1.0) < 1e-9 } == true)
        #expect((object["processes"] as? [[String: Any]])?.first?["name"] as? String == "queue")
        #expect(try JSONDecoder().decode(IdleUsage.self, from: JSONEncoder().encode(usage)) == usage)
    }
}
