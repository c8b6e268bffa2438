import ArgumentParser
import Checkout
import Cluster
import Foundation
import Logging
import RPC
import Services
import TraceFormat

/// `bookstore-bench checkout`: checkouts/s and latency against the real cluster (one process per service),
/// closed loop with 1 and 8 clients (each with its own connection) tracing on, 8 clients tracing off, and an
/// open loop at a fixed rate (latency from each order's intended send time), each next to a baseline of the
/// orchestrator answering `GET /healthz` (the open loop's on the same schedule); then the CPU each process spent
/// per checkout, and the idle cluster's CPU.
struct CheckoutBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout",
        abstract: "Checkout throughput, latency and CPU per checkout on the real cluster; the idle cluster's CPU.")

    @Option(help: "Orders per closed-loop measurement.") var orders: Int = 6000
    @Option(parsing: .upToNextOption, help: "Client counts (closed loop, tracing on).") var clients: [Int] = [1, 8]
    @Option(help: "Open loop: orders per second (0: no open-loop row).") var rate: Double = 1000
    @Option(help: "Open loop: seconds of sending.") var openSeconds: Double = 5
    @Option(help: "Seconds over which the idle cluster's CPU is measured (0: not measured).") var idleSeconds: Double =
        10
    @Flag(help: "Also measure 8 clients with metrics off (what metrics cost).") var metricsCost = false
    @Option(help: "The bookstore executable (default: next to this one).") var bookstore: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    struct Row: Codable {
        var scenario: String
        var clients: Int
        var requests: Int
        var perSecond: Double
        var intendedRate: Double?
        var p50Ms: Double
        var p90Ms: Double
        var p99Ms: Double
        var maxMs: Double
        var outcomes: [String: Int]
        /// The most ESTABLISHED connections to the orchestrator seen while the row ran.
        var connections: Int?
        var fellBehind: Bool = false
        /// The CPU column's label (nil: no CPU figures, e.g. the baseline).
        var cpuLabel: String?
    }

    struct Results: Codable {
        var rows: [Row] = []
        var cpu = CPUBudget()
        var idle: CPUBudget.Column?
        var loadAverage: String?
        /// Issue 15's aims judged on this run (`CheckoutAims`).
        var aims: [CheckoutAims.Verdict] = []
    }

    func validate() throws {
        guard orders > 0, !clients.isEmpty, clients.allSatisfy({ (1...64).contains($0) }) else {
            throw ValidationError("--orders must be positive and --clients 1…64")
        }
        guard rate >= 0, rate <= 100_000, openSeconds > 0, openSeconds <= 600, (0...600).contains(idleSeconds) else {
            throw ValidationError("--rate 0…100000, --open-seconds 0…600, --idle-seconds 0…600")
        }
    }

    func run() throws {
        var results = Results()
        let most = clients.max() ?? 8
        try withCluster(tracing: true, metrics: true) { cluster in
            let session = BenchSession(cluster: cluster)
            session.warmUp()
            if idleSeconds > 0 { results.idle = session.idle(seconds: idleSeconds) }
            for count in clients {
                results.rows.append(baseline(url: session.url, clients: count, requests: orders))
                let (row, column) = session.closed(
                    scenario: "POST /checkout, tracing on", label: "\(count) client\(count == 1 ? "" : "s")",
                    clients: count, orders: orders)
                results.rows.append(row)
                results.cpu.columns.append(column)
            }
            if rate > 0 {
                let (row, column) = session.open(rate: rate, seconds: openSeconds)
                results.rows.append(row)
                results.cpu.columns.append(column)
                results.rows.append(session.openBaseline(rate: rate, seconds: openSeconds))
            }
        }
        try withCluster(tracing: false, metrics: true) { cluster in
            let session = BenchSession(cluster: cluster)
            session.warmUp()
            let traces = session.traceFiles()
            if !traces.isEmpty {
                FileHandle.standardError.write(
                    Data("warning: the untraced cluster wrote trace files: \(traces.joined(separator: ", "))\n".utf8))
            }
            let (row, column) = session.closed(
                scenario: "POST /checkout, tracing off", label: "\(most) cl. untraced", clients: most, orders: orders)
            results.rows.append(row)
            results.cpu.columns.append(column)
        }
        if metricsCost {
            try withCluster(tracing: true, metrics: false) { cluster in
                let session = BenchSession(cluster: cluster)
                session.warmUp()
                let (row, column) = session.closed(
                    scenario: "POST /checkout, metrics off", label: "\(most) cl. no metrics", clients: most,
                    orders: orders)
                results.rows.append(row)
                results.cpu.columns.append(column)
            }
        }
        results.aims = CheckoutAims.verdicts(results, most: most)
        results.loadAverage = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
            .split(separator: " ").prefix(3).joined(separator: " ")
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        case .text:
            for line in CheckoutBenchmarkText.lines(results, orders: orders, most: most) { print(line) }
        }
    }

    /// Runs `body` with a fresh cluster of real processes on free loopback ports (tracing off: every service is
    /// started with `BOOKSTORE_TRACING=off`, so none writes a trace file).
    private func withCluster(tracing: Bool, metrics: Bool, _ body: (LocalCluster) throws -> Void) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        if !tracing { setenv("BOOKSTORE_TRACING", "off", 1) }
        defer { unsetenv("BOOKSTORE_TRACING") }
        let cluster = try LocalCluster.launch(
            executable: BenchExecutables.bookstore(bookstore), root: root, runID: "bench",
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        ) { config in
            config.fraudModel = FileManager.default.currentDirectoryPath + "/models/fraud-model.json"
            config.metrics = metrics
        }
        unsetenv("BOOKSTORE_TRACING")
        defer { cluster.supervisor.stop() }
        try body(cluster)
    }

    /// The orchestrator's `GET /healthz` over the same kind of client: the cost of one HTTP round trip.
    private func baseline(url: String, clients: Int, requests: Int) -> Row {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        // One client (so one connection) per thread, like the load generator's.
        let perThread = (0..<clients).map { _ in
            RPCClient(
                peer: "orchestrator", baseURL: url, recorder: TraceRecorder(node: "bench", writer: nil),
                logger: logger)
        }
        let runner = LoadRunner(duration: .seconds(2), warmup: .milliseconds(200))
        let figures = runner.run(scenario: "baseline", threads: clients) { thread in
            (try? perThread[thread].request("GET", "/healthz").status) == 200
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
