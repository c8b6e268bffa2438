import Foundation
import PipelineSimulator
import Testing

/// The deterministic simulator of the order pipeline, judged by the trace checks: `SIM_SEEDS=N` runs N seeds
/// (default 150), `SIM_SEED=N` replays one.
@Suite("PipelineSimulation")
struct PipelineSimulation {
    static var seeds: [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["SIM_SEED"], let seed = UInt64(text) { return [seed] }
        let count = environment["SIM_SEEDS"].flatMap { Int($0) }.map { max(1, $0) } ?? 150
        return (1...UInt64(count)).map { $0 }
    }

    /// Reports a failed run: its seed, how to replay it and where its trace files are.
    static func report(_ result: SimulationResult) -> String {
        let directory = "traces/sim-seed-\(result.seed)"
        var written = "trace-analyzer check \(directory)"
        do { try result.writeTraces(to: directory) } catch { written = "(traces not written: \(error))" }
        return """
            seed \(result.seed) failed (\(result.executors) executors, \(result.slots) slots, \
            \(result.events.count) events):
            \(result.failureSummary)
            replay: SIM_SEED=\(result.seed) swift test --filter PipelineSimulation
            open:   \(written)
            """
    }

    @Test func everySeedEndsWithoutViolationAndEveryOrderCommittedOnce() {
        let seeds = Self.seeds
        let started = Date()
        var events = 0
        var acks = (alreadyCommitted: 0, unanswered: 0)
        var held = (held: 0, leased: 0)
        var watches = (held: 0, broken: 0)
        for seed in seeds {
            let result = PipelineRun.run(SimulationOptions(seed: seed))
            events += result.events.count
            held = (held.held + result.heldLeases.held, held.leased + result.heldLeases.leased)
            watches = (watches.held + result.heldWatches.held, watches.broken + result.heldWatches.broken)
            let tally = result.ackTally
            acks = (acks.alreadyCommitted + tally.alreadyCommitted, acks.unanswered + tally.unanswered)
            if !result.passed { Issue.record(Comment(rawValue: Self.report(result))) }
        }
        let seconds = Date().timeIntervalSince(started)
        print(
            "PipelineSimulation: \(seeds.count) seeds in \(String(format: "%.1f", seconds)) s "
                + "(\(Int(Double(seeds.count) / max(seconds, 0.001) * 60)) seeds/min, \(events) events; acks answered "
                + "already_committed: \(acks.alreadyCommitted), acks given up unanswered: \(acks.unanswered); lease "
                + "requests held: \(held.held), answered with a lease: \(held.leased); watches held: \(watches.held), "
                + "broken by a crash: \(watches.broken))")
        // Lost and late replies must happen (an ack retried into `already_committed`, an ack given up) for the runs
        // to test the ack retry at all.
        if seeds.count >= 100 {
            #expect(acks.alreadyCommitted > 0 && acks.unanswered > 0, "the reply faults never hit an ack")
            // Idle leaders' lease requests are held (long polls), and orders stored meanwhile are handed to them.
            #expect(held.held > 0 && held.leased > 0, "no held lease request was exercised")
            // Followers watch their leader, and a leader's crash breaks the watches it held.
            #expect(watches.held > 0 && watches.broken > 0, "no watch was held, or none broken by a crash")
        }
    }

    @Test func aRunWithoutFaultsCommitsEveryOrderWithoutAWarning() {
        var options = SimulationOptions(seed: 7, faults: .none)
        options.orders = 20
        let result = PipelineRun.run(options)
        #expect(result.passed, Comment(rawValue: Self.report(result)))
        #expect(result.report.warningCount == 0, "\(result.report.checks.filter { $0.warnings > 0 }.map(\.name))")
        #expect(result.events.filter { $0.kind.rawValue == "executor.commit" }.count >= 20)
    }

    @Test func theSameSeedReplaysTheSameRun() {
        let first = PipelineRun.run(SimulationOptions(seed: 12345))
        let second = PipelineRun.run(SimulationOptions(seed: 12345))
        #expect(first.events == second.events)
        #expect(first.events.count > 100)
    }

    /// A queue that ignores the fencing epoch lets a deposed leader lease and commit: the checks must say so
    /// within a bounded number of seeds.
    @Test(arguments: [InjectedBug.queueIgnoresFencing, .queueLosesLogTail])
    func anInjectedBugIsCaughtWithinFiftySeeds(bug: InjectedBug) {
        var caught: SimulationResult?
        // Many slow orders, so that a deposed leader the queue does not fence is likely to overlap the new one.
        var options = SimulationOptions(seed: 0, orders: 40, bug: bug)
        options.processingNanos = 300_000_000
        for seed in UInt64(1)...50 {
            options.seed = seed
            let result = PipelineRun.run(options)
            if !result.passed {
                caught = result
                break
            }
        }
        #expect(caught != nil, "no seed of 1…50 caught \(bug)")
        guard let caught else { return }
        print("\(bug) caught by seed \(caught.seed):\n\(caught.failureSummary)")
        // The same run without the bug passes: the bug, not the configuration, is what the checks caught.
        options.seed = caught.seed
        options.bug = .none
        let control = PipelineRun.run(options)
        #expect(control.passed, Comment(rawValue: Self.report(control)))
    }
}
