import ArgumentParser
import Checkout
import Cluster
import ClusterProtocol
import Election
import Foundation
import Logging
import OrderQueueCore
import QueueStore
import RPC
import Services
import TraceFormat

/// `bookstore-bench durability`: what the Order Queue's write-ahead log costs and how fast it recovers.
///
/// - checkout/s at 8 clients with the durable queue and with the in-memory queue (two clusters, same run);
/// - committed/s against approved/s while the load runs (does the leader keep up?), and the drain time after;
/// - replay time of a log of 100k and 1M records, and of the snapshot that replaces it.
struct DurabilityBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "durability", abstract: "Durable vs in-memory queue: checkout/s, commits/s, replay time.")

    @Option(help: "Orders per checkout measurement.") var orders: Int = 4000
    @Option(help: "Concurrent clients.") var clients: Int = 8
    @Option(parsing: .upToNextOption, help: "Log sizes (records) to replay.") var records: [Int] = [100_000, 1_000_000]
    @Option(help: "The bookstore executable (default: next to this one).") var bookstore: String?

    func run() throws {
        print("Checkout with the durable queue vs in memory (\(orders) orders, \(clients) clients, 8 processes)")
        print("queue      orders/s p50 ms p99 ms  approved  approved/s  committed/s in load  ratio  drained after")
        var rates: [Bool: Double] = [:]
        for durable in [true, false] {
            let row = try checkout(durable: durable)
            rates[durable] = row.perSecond
            print(
                (durable ? "durable" : "in-memory").padding(toLength: 10, withPad: " ", startingAt: 0)
                    + String(
                        format: " %-7.0f %-7.2f %-7.2f %-9d %-11.0f %-20.0f %-6.2f %.2f s", row.perSecond, row.p50Ms,
                        row.p99Ms, row.approved, row.approvedPerSecond, row.committedPerSecond,
                        row.committedPerSecond / max(row.approvedPerSecond, 1), row.drainSeconds))
        }
        if let durable = rates[true], let memory = rates[false] {
            print(String(format: "fsync cost: %.1f%% of checkout throughput", (1 - durable / memory) * 100))
        }
        print("")
        print("Replay at queue start (records of enqueue, lease, commit; ~1,000 orders waiting)")
        print("records     log MB   replay ms  records/s    snapshot MB  snapshot replay ms")
        for count in records { try replay(count) }
    }

    struct CheckoutRow {
        var perSecond: Double
        var p50Ms: Double
        var p99Ms: Double
        var approved: Int
        var approvedPerSecond: Double
        var committedPerSecond: Double
        var drainSeconds: Double
    }

    private func checkout(durable: Bool) throws -> CheckoutRow {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The data directory on the working directory's disk (not a tmpfs), as a deployment would have it.
        let data = FileManager.default.currentDirectoryPath + "/.build/bench-queue-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let cluster = try LocalCluster.launch(
            executable: BenchExecutables.bookstore(bookstore), root: root, runID: "bench",
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        ) { config in
            config.fraudModel = FileManager.default.currentDirectoryPath + "/models/fraud-model.json"
            config.queueStore.durable = durable
            config.queueStore.dataDir = data
        }
        defer { cluster.supervisor.stop() }
        let url = cluster.config.orchestrator.url
        let recorder = TraceRecorder(node: "bench", writer: nil)
        _ = LoadGenerator(baseURL: url, orders: 300, concurrency: clients, year: CalendarDate.utcNow().year)
            .run(recorder: recorder)
        _ = QueueDrain.wait(config: cluster.config, timeout: .seconds(30))
        let before = commits(cluster.config)
        let started = ContinuousClock.now
        let report = LoadGenerator(
            baseURL: url, orders: orders, concurrency: clients, seed: 11, year: CalendarDate.utcNow().year
        ).run(recorder: recorder)
        let loadEnd = ContinuousClock.now
        let duringLoad = commits(cluster.config) - before
        _ = QueueDrain.wait(config: cluster.config, timeout: .seconds(120))
        let drained = ContinuousClock.now - loadEnd
        let seconds = (loadEnd - started).secondsValue
        let approved = report.outcomes["approved", default: 0]
        return CheckoutRow(
            perSecond: report.ordersPerSecond, p50Ms: report.p50Ms, p99Ms: report.p99Ms, approved: approved,
            approvedPerSecond: Double(approved) / seconds, committedPerSecond: Double(duringLoad) / seconds,
            drainSeconds: drained.secondsValue)
    }

    private func commits(_ config: ClusterConfig) -> Int {
        let target = config.security.target(of: config.queue)
        let client = RPCClient(
            peer: "queue", baseURL: target.baseURL, recorder: TraceRecorder(node: "bench", writer: nil),
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }, defaultDeadline: .seconds(10),
            propagatesContext: false, credential: try? config.security.credential(), caFile: target.caFile)
        return (try? client.call(QueueRPC.inspect, NoPayload()).commits.count) ?? 0
    }

    /// Writes a log of `count` records (orders enqueued, leased and committed, a backlog of about 1,000), then
    /// times a queue start on it; then snapshots that state and times a start on the snapshot.
    private func replay(_ count: Int) throws {
        let directory = FileManager.default.currentDirectoryPath + "/.build/bench-replay-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = LeasedOrderQueue(leaseDuration: .max, journaling: true)
        var (store, _) = try QueueStore.open(directory: directory, into: &queue)
        let epoch = Epoch(term: 1, leader: 3)
        var written = 0
        var next = 0
        while written < count {
            var batch = 0
            while batch < 2_000 && written + batch < count {
                let id = String(format: "%032x", next)
                next += 1
                let ticket = OrderTicket(
                    orderId: id, items: [.init(name: "The Name of the Rose", quantity: 2)], shippingMethod: "Express",
                    country: "EE", traceId: id)
                _ = queue.enqueue(
                    ticket: ticket, priority: OrderPriority(shippingWeight: 1, countryRank: next % 5), nowNanos: 0)
                if queue.depth > 1_000,
                    case .leased(let lease, _, _) = queue.dequeue(
                        executor: 3, epoch: epoch, slot: 0, now: 0
                    ).0
                {
                    _ = queue.ack(orderId: lease.orderId, executor: 3, epoch: epoch, leaseID: lease.id, now: 0)
                }
                batch = queue.journal.count
            }
            let records = queue.takeJournal()
            written += records.count
            try store.waitDurable(try store.append(records))
        }
        store.close()
        let logBytes = directorySize(directory)
        var replayed = LeasedOrderQueue(leaseDuration: .max, journaling: true)
        let recovery: QueueStore.Recovery
        (store, recovery) = try QueueStore.open(directory: directory, into: &replayed)
        store.snapshot(replayed)
        store.close()
        let snapshotBytes = directorySize(directory)
        var restored = LeasedOrderQueue(leaseDuration: .max)
        let fromSnapshot: QueueStore.Recovery
        (store, fromSnapshot) = try QueueStore.open(directory: directory, into: &restored)
        store.close()
        guard restored.image == queue.image, replayed.image == queue.image else {
            throw ValidationError("replay did not rebuild the written state")
        }
        let ms = Double(recovery.replayNanos) / 1e6
        print(
            String(
                format: "%-11d %-8.1f %-11.1f %-12.0f %-12.1f %.1f", recovery.logRecords, Double(logBytes) / 1e6, ms,
                Double(recovery.logRecords) / (ms / 1000), Double(snapshotBytes) / 1e6,
                Double(fromSnapshot.replayNanos) / 1e6))
    }

    private func directorySize(_ path: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.reduce(0) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(path)/\(name)")
            return total + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }
}
