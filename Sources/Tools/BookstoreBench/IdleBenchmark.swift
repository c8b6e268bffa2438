import ArgumentParser
import Checkout
import Cluster
import Foundation
import RPC
import Services
import TraceFormat

/// `bookstore-bench idle`: starts a whole cluster as `bookstore up` does (the supervising parent, every service,
/// three executors, tracing on) on free loopback ports, optionally sends a few orders and waits until they are
/// committed, lets it settle, and then measures for `--seconds` what each process uses while nothing happens: CPU
/// as a share of one core and context switches per second (per thread with `--threads`).
struct IdleBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "The idle cluster's CPU (% of a core) and context switches per second, per process.")

    @Option(help: "Seconds over which the idle cluster is measured.") var seconds: Double = 30
    @Option(help: "Seconds to wait after the warm-up before measuring.") var settle: Double = 5
    @Option(help: "Orders sent (and committed) before settling (0: none).") var warmUp: Int = 200
    @Flag(help: "Also list every thread that ran or switched, per process.") var threads = false
    @Flag(help: "Run the services with tracing off (BOOKSTORE_TRACING=off).") var untraced = false
    @Option(help: "The bookstore executable (default: next to this one).") var bookstore: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func validate() throws {
        guard seconds > 0, seconds <= 3600, (0...600).contains(settle), (0...100_000).contains(warmUp) else {
            throw ValidationError("--seconds 0…3600 (more than 0), --settle 0…600, --warm-up 0…100000")
        }
    }

    func run() throws {
        let cluster = try IdleCluster.start(executable: BenchExecutables.bookstore(bookstore), traced: !untraced)
        defer { cluster.stop() }
        if warmUp > 0 { cluster.warmUp(orders: warmUp) }
        Thread.sleep(forTimeInterval: settle)
        let processes = cluster.processes()
        let loadBefore = IdleCluster.loadAverage()
        let startNanos = MonotonicClock.nanos()
        let before = processes.compactMap { ProcessCounters.read(name: $0.name, pid: $0.pid) }
        Thread.sleep(forTimeInterval: seconds)
        let after = processes.compactMap { ProcessCounters.read(name: $0.name, pid: $0.pid) }
        let wall = Double(MonotonicClock.nanos() &- startNanos) / 1e9
        var usage = IdleUsage.between(before, after, seconds: wall)
        usage.loadAverageBefore = loadBefore
        usage.loadAverageAfter = IdleCluster.loadAverage()
        let missing = Set(processes.map { $0.name }).subtracting(usage.processes.map(\.name))
        if !missing.isEmpty {
            FileHandle.standardError.write(
                Data("warning: not measured (gone or restarted): \(missing.sorted().joined(separator: ", "))\n".utf8))
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(usage), as: UTF8.self))
        case .text:
            for line in usage.text(threads: threads) { print(line) }
        }
    }
}
