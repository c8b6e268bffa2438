import Checkout
import Cluster
import Foundation
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
        let schedule = OpenLoopSchedule(rate: rate, duration: .nanoseconds(Int64(seconds * 1e9)))!
        // Enough connections for ~30 ms of latency at this rate, within the server's per-address limit.
        let clients = min(48, max(8, Int((rate * 0.03).rounded(.up))))
        let generator = LoadGenerator(
            baseURL: url, schedule: schedule, concurrency: clients, seed: 7, year: CalendarDate.utcNow().year)
        return measure(
            scenario: "POST /checkout, open loop \(Int(rate))/s, tracing on", label: "open \(Int(rate))/s",
            generator: generator)
    }

    private func measure(
        scenario: String, label: String, generator: LoadGenerator
    )
        -> (CheckoutBenchmark.Row, CPUBudget.Column)
    {
        let watch = ConnectionWatch(port: port)
        let before = CPUSample.take(processes, selfName: CPUBudget.loadGenerator)
        let report = generator.run(recorder: recorder)
        let connections = watch.stop()
        drain()
        let after = CPUSample.take(processes, selfName: CPUBudget.loadGenerator)
        let row = CheckoutBenchmark.Row(
            scenario: scenario, clients: generator.concurrency, requests: report.orders,
            perSecond: report.ordersPerSecond, intendedRate: report.intendedRate, p50Ms: report.p50Ms,
            p90Ms: report.p90Ms, p99Ms: report.p99Ms, maxMs: report.maxMs, outcomes: report.outcomes,
            connections: connections, fellBehind: report.fellBehind, cpuLabel: label)
        return (row, CPUBudget.column(scenario: label, checkouts: report.orders, before: before, after: after))
    }
}
