import ArgumentParser
import Foundation
import PipelineSimulator

/// `bookstore-bench simulate`: runs seeds of the deterministic pipeline simulator (`PipelineSimulation`'s runs,
/// each judged by every trace check) and prints the seeds per minute; any failing seed is printed with the command
/// that replays it and the one that opens its trace (written under `--traces`). Exits 1 when a seed fails.
struct SimulateBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Pipeline simulator throughput (seeds/min); fails on any failing seed.")

    @Option(help: "Seeds to run.") var seeds: Int = 1_000
    @Option(help: "The first seed (seeds run first-seed, first-seed + 1, …).") var firstSeed: UInt64 = 1
    @Option(help: "Where the traces of failing seeds are written (sim-seed-N under it).") var traces = "traces"

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard UInt64.max - firstSeed >= UInt64(seeds) else { throw ValidationError("--first-seed is too large") }
    }

    func run() throws {
        let started = Date()
        var events = 0
        var failed: [UInt64] = []
        var acks = (alreadyCommitted: 0, unanswered: 0)
        for seed in firstSeed..<(firstSeed + UInt64(seeds)) {
            let result = PipelineRun.run(SimulationOptions(seed: seed))
            events += result.events.count
            let tally = result.ackTally
            acks = (acks.alreadyCommitted + tally.alreadyCommitted, acks.unanswered + tally.unanswered)
            guard !result.passed else { continue }
            failed.append(seed)
            let directory = "\(traces)/sim-seed-\(seed)"
            var open = "trace-analyzer check \(directory)"
            do { try result.writeTraces(to: directory) } catch { open = "(traces not written: \(error))" }
            print(
                """
                seed \(seed) FAILED (\(result.executors) executors, \(result.slots) slots, \(result.events.count) events):
                \(result.failureSummary)
                replay: SIM_SEED=\(seed) swift test --filter PipelineSimulation
                open:   \(open)
                """)
        }
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        let perMinute = Int((Double(seeds) / seconds * 60).rounded())
        print(
            "simulate: \(seeds) seeds (\(firstSeed)…\(firstSeed + UInt64(seeds) - 1)) in "
                + String(format: "%.1f s", seconds) + ": \(perMinute) seeds/min, "
                + "\(Int(Double(events) / seconds)) events/s, \(failed.count) failed; acks answered already_committed: "
                + "\(acks.alreadyCommitted), given up unanswered: \(acks.unanswered)")
        if !failed.isEmpty {
            print("failed seeds: \(failed.map(String.init).joined(separator: " "))")
            throw ExitCode(1)
        }
    }
}
