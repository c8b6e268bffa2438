import ArgumentParser
import Foundation
import TraceTestSupport

/// `bookstore-bench mutations`: mutation testing of the checker. Plants each named violation (and each kind of file
/// damage) at random positions of a real run, re-simulates the clocks downstream, runs every check and prints the
/// per-operator table of docs/benchmarks.md, with the seeds to replay any shortfall. Never fails: it measures.
struct MutationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutations", abstract: "Mutation testing of trace-analyzer check: detection per operator.")

    @Option(name: .customLong("run"), help: "The run directory to mutate.") var directory =
        "traces/samples/clean-failover"
    @Option(help: "Seeds, comma-separated (each gives every operator its own positions).") var seeds = "1"
    @Option(help: "Positions per operator and seed.") var positions = 20
    @Option(help: "Only these operators, comma-separated (default: all).") var operators: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @Flag(help: "Print every position that fell short (missed, not named, false violation), with its seed.")
    var verbose = false

    func validate() throws {
        guard positions >= 1 else { throw ValidationError("--positions must be at least 1") }
        guard !seedList.isEmpty else { throw ValidationError("--seeds must list at least one integer") }
    }

    var seedList: [UInt64] {
        seeds.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
    }

    func run() throws {
        var chosen = MutationOperator.all
        if let operators {
            let names = operators.split(separator: ",").map(String.init)
            chosen = names.compactMap { MutationOperator.named($0) }
            guard chosen.count == names.count else {
                throw ValidationError(
                    "unknown operator; known: " + MutationOperator.all.map(\.name).joined(separator: ", "))
            }
        }
        let base = try MutationRun.load(directory: directory)
        let campaign = MutationCampaign(base: base, seeds: seedList, positions: positions, operators: chosen)
        let started = Date()
        let verbose = self.verbose
        let rows = try campaign.run { line in if verbose { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
        if format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print(
            "mutation testing of \(directory) (\(base.all.count) events), seeds \(seeds), \(positions) positions per "
                + "operator and seed, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        print(MutationCampaign.table(rows), terminator: "")
        for row in rows where !row.complete {
            print("  \(row.name): " + row.shortfalls.joined(separator: " | "))
        }
    }
}
