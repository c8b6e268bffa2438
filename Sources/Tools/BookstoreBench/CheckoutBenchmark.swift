import Checkout
import ArgumentParser
import Cluster
import Foundation
import Logging
import RPC
import Services
import TraceFormat

/// `bookstore-bench checkout`: checkouts/s and latency against the real cluster (one process per service,
/// tracing on), next to a baseline of the orchestrator answering `GET /healthz` over the same connections.
struct CheckoutBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout", abstract: "Checkout throughput and latency on the real cluster, tracing on.")

    @Option(help: "Orders per measurement.") var orders: Int = 6000
    @Option(parsing: .upToNextOption, help: "Client counts.") var clients: [Int] = [1, 8]
    @Option(help: "The bookstore executable (default: next to this one).") var bookstore: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    struct Row: Codable {
        var scenario: String
        var clients: Int
        var requests: Int
        var perSecond: Double
        var p50Ms: Double
        var p90Ms: Double
        var p99Ms: Double
        var maxMs: Double
        var outcomes: [String: Int]
    }

    func run() throws {
        var rows: [Row] = []
        // Metrics on (as deployed), then the same cluster configuration with metrics off, to show their cost.
        for metrics in [true, false] {
            try withCluster(metrics: metrics) { url in
                let recorder = TraceRecorder(node: "bench", writer: nil)
                // Warm-up: connections, caches, the model's per-thread state.
                _ = LoadGenerator(baseURL: url, orders: 500, concurrency: 8, year: CalendarDate.utcNow().year)
                    .run(recorder: recorder)
                for count in metrics ? clients : [clients.max() ?? 8] {
                    if metrics { rows.append(baseline(url: url, clients: count, requests: orders)) }
                    let report = LoadGenerator(
                        baseURL: url, orders: orders, concurrency: count, seed: UInt64(count),
                        year: CalendarDate.utcNow().year
                    ).run(recorder: recorder)
                    rows.append(
                        Row(
                            scenario: "POST /checkout, tracing on, metrics \(metrics ? "on" : "off")", clients: count,
                            requests: report.orders, perSecond: report.ordersPerSecond, p50Ms: report.p50Ms,
                            p90Ms: report.p90Ms, p99Ms: report.p99Ms, maxMs: report.maxMs, outcomes: report.outcomes))
                }
            }
        }
        switch format {
        case .json:
            print(String(decoding: try JSONEncoder().encode(rows), as: UTF8.self))
        case .text:
            print("Checkout on the real cluster (8 processes on loopback, tracing on), \(orders) requests per row")
            print(
                "scenario                                   clients  req/s    vs base  p50 ms  p90 ms  p99 ms  max ms  outcomes"
            )
            for row in rows {
                let base = rows.first { $0.clients == row.clients && $0.scenario.hasPrefix("baseline") }
                let ratio = base.map { row.perSecond / $0.perSecond } ?? 1
                let outcomes = row.outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                    separator: " ")
                print(
                    row.scenario.padding(toLength: 43, withPad: " ", startingAt: 0)
                        + String(
                            format: "%-8d %-8.0f %-8.2f %-7.2f %-7.2f %-7.2f %-7.2f ", row.clients, row.perSecond,
                            ratio, row.p50Ms, row.p90Ms, row.p99Ms, row.maxMs) + outcomes)
            }
            let on = rows.first { $0.scenario.hasSuffix("metrics on") && $0.clients == (clients.max() ?? 8) }
            let off = rows.first { $0.scenario.hasSuffix("metrics off") }
            if let on, let off {
                print(
                    String(
                        format: "metrics cost with %d clients: %.1f%% of throughput", on.clients,
                        (1 - on.perSecond / off.perSecond) * 100))
            }
        }
    }

    /// Runs `body` with a fresh cluster of real processes on free loopback ports.
    private func withCluster(metrics: Bool, _ body: (String) throws -> Void) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try LocalCluster.launch(
            executable: BenchExecutables.bookstore(bookstore), root: root, runID: "bench",
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        ) { config in
            config.fraudModel = FileManager.default.currentDirectoryPath + "/models/fraud-model.json"
            config.metrics = metrics
        }
        defer { cluster.supervisor.stop() }
        try body(cluster.config.orchestrator.url)
    }

    /// The orchestrator's `GET /healthz` over the same kind of client: the cost of one HTTP round trip.
    private func baseline(url: String, clients: Int, requests: Int) -> Row {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let client = RPCClient(
            peer: "orchestrator", baseURL: url, recorder: TraceRecorder(node: "bench", writer: nil), logger: logger)
        let runner = LoadRunner(duration: .seconds(2), warmup: .milliseconds(200))
        let figures = runner.run(scenario: "baseline", threads: clients) { _ in
            (try? client.request("GET", "/healthz").status) == 200
        }
        return Row(
            scenario: "baseline (GET /healthz, same client)", clients: clients, requests: figures.calls,
            perSecond: figures.callsPerSecond, p50Ms: figures.p50Microseconds / 1000,
            p90Ms: figures.p90Microseconds / 1000, p99Ms: figures.p99Microseconds / 1000,
            maxMs: figures.maxMicroseconds / 1000, outcomes: ["errors": figures.errors])
    }
}

/// Where the executables the benchmarks start are.
enum BenchExecutables {
    /// `override`, else the `bookstore` built next to this benchmark binary.
    static func bookstore(_ override: String?) -> String {
        override
            ?? URL(fileURLWithPath: ClusterSupervisor.currentExecutable).deletingLastPathComponent()
            .appendingPathComponent("bookstore").path
    }
}
