import Checkout
import Cluster
import Foundation
import Logging
import RPC
import TraceFormat

/// The measurements `bookstore-bench checkout` makes on one running cluster: load rows with the CPU each process
/// spent on them, and the idle cluster's CPU.
struct BenchSession {
    let cluster: LocalCluster
    let url: String
    let port: Int
    private let recorder = TraceRecorder(node: "bench", writer: nil)

    init(cluster: LocalCluster) {
        self.cluster = cluster
        url = cluster.config.orchestrator.url
        port = Int(cluster.config.orchestrator.address.split(separator: ":").last ?? "") ?? 0
    }

    /// The cluster's processes (name, pid) as running now.
    var processes: [(name: String, pid: Int32)] { cluster.supervisor.children.map { ($0.name, $0.pid) } }

    /// Connections, caches, the model's per-thread state; then waits until the executors committed the warm-up.
    func warmUp() {
        _ = LoadGenerator(baseURL: url, orders: 500, concurrency: 8, year: CalendarDate.utcNow().year)
            .run(recorder: recorder)
        drain()
    }

    /// The trace files in the cluster's run directory (none when it runs untraced).
    func traceFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cluster.run.path)) ?? []
        return names.filter { $0.hasSuffix(".jsonl.gz") }.sorted()
    }

    /// Waits (at most 60 s) until the queue has nothing waiting or leased.
    func drain() {
        _ = QueueDrain.wait(config: cluster.config, timeout: .seconds(60), credential: cluster.credential)
    }

    /// The idle cluster's CPU over `seconds` (no load; the benchmark process only sleeps).
    func idle(seconds: Double) -> CPUBudget.Column {
        let before = CPUSample.take(processes)
        Thread.sleep(forTimeInterval: seconds)
        let after = CPUSample.take(processes)
        return CPUBudget.column(scenario: "idle", checkouts: 1, before: before, after: after)
    }

    /// A closed-loop row of `orders` orders from `clients` clients; its CPU from the start until the executors
    /// committed what it approved.
    func closed(scenario: String, label: String, clients: Int, orders: Int) -> (CheckoutBenchmark.Row, CPUBudget.Column)
    {
        let generator = LoadGenerator(
            baseURL: url, orders: orders, concurrency: clients, seed: UInt64(clients), year: CalendarDate.utcNow().year)
        return measure(scenario: scenario, label: label, generator: generator)
    }

    /// An open-loop row: `rate` orders per second for `seconds`, latency from the intended send times.
    func open(rate: Double, seconds: Double) -> (CheckoutBenchmark.Row, CPUBudget.Column) {
        let (schedule, clients) = Self.openLoop(rate: rate, seconds: seconds)
        let generator = LoadGenerator(
            baseURL: url, schedule: schedule, concurrency: clients, seed: 7, year: CalendarDate.utcNow().year)
        return measure(
            scenario: "POST /checkout, open loop \(Int(rate))/s, tracing on", label: "open \(Int(rate))/s",
            generator: generator)
    }

    /// The open loop's schedule and client count: enough connections for ~30 ms of latency at this rate, within the
    /// server's per-address limit.
    static func openLoop(rate: Double, seconds: Double) -> (schedule: OpenLoopSchedule, clients: Int) {
        let schedule = OpenLoopSchedule(rate: rate, duration: .nanoseconds(Int64(seconds * 1e9)))!
        return (schedule, min(48, max(8, Int((rate * 0.03).rounded(.up)))))
    }

    /// The open loop's baseline: the orchestrator's `GET /healthz` on the same schedule, threads and connections,
    /// latency from the intended send times (what the host, loopback and the generator add to any open loop).
    func openBaseline(rate: Double, seconds: Double) -> CheckoutBenchmark.Row {
        let (schedule, clients) = Self.openLoop(rate: rate, seconds: seconds)
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        // One client (so one connection) per thread, like the load generator's.
        let perThread = (0..<clients).map { _ in
            RPCClient(peer: "orchestrator", baseURL: url, recorder: recorder, logger: logger)
        }
        let probe = OpenLoopProbe(schedule: schedule, concurrency: clients)
        let connect: @Sendable (Int) -> Void = { thread in _ = try? perThread[thread].request("GET", "/healthz") }
        let result = probe.run(prepare: connect) { thread in
            (try? perThread[thread].request("GET", "/healthz").status) == 200
        }
        let timing = result.timing
        let ms = { (percentile: Double) in LatencyAccounting.milliseconds(timing.latency, percentile: percentile) }
        return CheckoutBenchmark.Row(
            scenario: "baseline (GET /healthz), open loop \(Int(rate))/s", clients: clients, requests: timing.count,
            perSecond: result.perSecond, intendedRate: rate, p50Ms: ms(50), p90Ms: ms(90), p99Ms: ms(99),
            maxMs: LatencyAccounting.maxMilliseconds(timing.latency), outcomes: ["errors": result.errors],
            fellBehind: timing.fellBehind)
    }

    private func measure(
        scenario: String, label: String, generator: LoadGenerator
    )
        -> (CheckoutBenchmark.Row, CPUBudget.Column)
    {
        let watch = ConnectionWatch(port: port)
        let before = CPUSample.take(processes, selfName: CPUBudget.loadGenerator)
        let report = generator.run(recorder: recorder)
        // The load generator's CPU ends with its last answer: the drain below (polling the queue's whole snapshot)
        // is the bench's own work, while the cluster's CPU runs on until the executors have committed every order.
        let loadEnded = ProcessCPU.ownSeconds()
        let connections = watch.stop()
        drain()
        var after = CPUSample.take(processes)
        after.seconds[CPUBudget.loadGenerator] = loadEnded
        let row = CheckoutBenchmark.Row(
            scenario: scenario, clients: generator.concurrency, requests: report.orders,
            perSecond: report.ordersPerSecond, intendedRate: report.intendedRate, p50Ms: report.p50Ms,
            p90Ms: report.p90Ms, p99Ms: report.p99Ms, maxMs: report.maxMs, outcomes: report.outcomes,
            connections: connections, fellBehind: report.fellBehind, cpuLabel: label)
        return (row, CPUBudget.column(scenario: label, checkouts: report.orders, before: before, after: after))
    }
}
