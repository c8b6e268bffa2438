import ArgumentParser
import TraceFormat

/// `bookstore-bench`: the project's benchmarks (not tests). Prints figures; see docs/benchmarks.md.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bookstore-bench",
        abstract: "Benchmarks of Bookstore Cluster, each with a baseline measured in the same run.",
        version: "bookstore-bench " + BookstoreVersion.text,
        subcommands: [
            RPCBenchmark.self, CheckoutBenchmark.self, FailoverBenchmark.self, AnalyzerBenchmark.self,
            DurabilityBenchmark.self, SimulateBenchmark.self, MutationBenchmark.self, HandlerBenchmark.self,
            IdleBenchmark.self, InProcessWorkload.self,
        ]
    )
}
