import ArgumentParser

/// `bookstore-bench`: the project's benchmarks (not tests). Prints figures; see docs/benchmarks.md.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bookstore-bench",
        abstract: "Benchmarks of Bookstore Cluster, each with a baseline measured in the same run.",
        subcommands: [
            RPCBenchmark.self, CheckoutBenchmark.self, FailoverBenchmark.self, AnalyzerBenchmark.self,
            DurabilityBenchmark.self, SimulateBenchmark.self, MutationBenchmark.self,
        ]
    )
}
