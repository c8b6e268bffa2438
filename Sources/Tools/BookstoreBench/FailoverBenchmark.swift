import ArgumentParser
import Checkout
import Cluster
import ClusterProtocol
import Election
import Foundation
import Logging
import RPC
import Services
import Synchronization
import TraceFormat

/// `bookstore-bench failover`: kills the leader executor repeatedly under load and measures, from the trace
/// files, the time from each kill to the first heartbeat timeout, to the new coordinator, and to the new
/// leader's first lease; then counts orders lost and duplicated. With `--soak-minutes` it kills nothing and instead
/// counts the elections on a live leader under a CPU hog (`FailoverSoak`).
struct FailoverBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Leader kills under load: failover times and orders lost/duplicated; or a soak under a CPU hog.")

    @Option(help: "How many times to kill the leader.") var kills: Int = 10
    @Option(help: "Instead of kills: run this many minutes without faults and count elections on a live leader.")
    var soakMinutes: Double = 0
    @Option(help: "Busy-loop threads next to the cluster during the soak.") var hog: Int = 0
    @Option(help: "Checkouts per second of the soak's light background load.") var soakRate: Int = 20
    @Flag(help: "The timing before the adaptive detector (heartbeat 50 ms, fixed 200 ms timeout, no probe or watch).")
    var fixedDetector = false
    @Option(help: "The bookstore executable (default: next to this one).") var bookstore: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    struct Kill: Codable {
        var node: String
        var epoch: String
        var wallNanos: Int64
        var toTimeoutMs: Double?
        var toCoordinatorMs: Double?
        var toFirstLeaseMs: Double?
    }

    struct Result: Codable {
        var kills: [Kill]
        var approved: Int
        var committed: Int
        var lost: Int
        var duplicated: Int
        /// Orders still waiting or leased when the queue stopped draining (not lost, not yet executed).
        var pending: Int
    }

    func run() throws {
        guard soakMinutes <= 0 else { return try soak() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("failover-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try LocalCluster.launch(
            executable: BenchExecutables.bookstore(bookstore), root: root, runID: "failover",
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        ) { config in
            config.fraudModel = FileManager.default.currentDirectoryPath + "/models/fraud-model.json"
            config.executors.processingMs = 2
        }
        let (supervisor, config, run) = (cluster.supervisor, cluster.config, cluster.run)
        defer { supervisor.stop() }
        let probe = ExecutorProbe(config: config)
        guard probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5)) != nil else {
            throw ValidationError("no leader at start")
        }

        let load = SteadyLoad(url: config.orchestrator.url)
        load.start()
        var kills: [Kill] = []
        for index in 0..<(self.kills * 2) where kills.count < self.kills {  // a few spare rounds if no leader answers
            Thread.sleep(forTimeInterval: 0.7)
            guard let leader = probe.leader() else { continue }
            let wall = TraceRecorder.systemWallClock()
            supervisor.signal(SIGKILL, to: leader.node)
            guard let next = probe.waitForNewLeader(excluding: leader.id, after: leader.epoch, timeout: .seconds(5))
            else {
                FileHandle.standardError.write(Data("kill \(index): no new leader\n".utf8))
                break
            }
            kills.append(Kill(node: leader.node, epoch: "\(leader.epoch!)", wallNanos: wall))
            FileHandle.standardError.write(Data("  kill \(kills.count): \(leader.node) → \(next.node)\n".utf8))
            try supervisor.start(name: leader.node)
            try supervisor.waitUntilHealthy(only: [leader.node], timeout: .seconds(10))
            // The restarted (higher) id may bully its way back: let leadership settle before the next kill.
            _ = probe.waitForNewLeader(excluding: nil, after: next.epoch, timeout: .milliseconds(800))
        }
        let approved = load.stop()
        let snapshot = QueueDrain.wait(config: config, timeout: .seconds(60))
        supervisor.stop()

        let measured = try measure(kills, run: run.path)
        let pending = (snapshot?.waiting.count ?? 0) + (snapshot?.leases.count ?? 0)
        let commits = snapshot?.commits.map(\.orderId) ?? []
        let queueCommits = try committedOrders(run: run.path)
        let result = Result(
            kills: measured, approved: approved.count, committed: Set(commits).count,
            lost: approved.subtracting(commits).count - pending,
            duplicated: queueCommits.values.filter { $0 > 1 }.count, pending: pending)
        report(result)
    }

    private func soak() throws {
        guard soakMinutes <= 24 * 60, hog >= 0, hog <= 256, soakRate > 0 else {
            throw ValidationError("--soak-minutes at most 1440, --hog 0…256, --soak-rate above 0")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("soak-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try LocalCluster.launch(
            executable: BenchExecutables.bookstore(bookstore), root: root, runID: "soak",
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        ) { config in
            config.fraudModel = FileManager.default.currentDirectoryPath + "/models/fraud-model.json"
            config.executors.processingMs = 2
            if fixedDetector {
                config.executors.heartbeatMs = 50
                config.executors.leaderTimeoutMs = 200
                config.executors.electionTimeoutMs = 60
                config.executors.adaptiveFailureDetector = false
                config.executors.probeTimeoutMs = 0
                config.executors.watchHoldMs = 0
            }
        }
        defer { cluster.supervisor.stop() }
        let probe = ExecutorProbe(config: cluster.config)
        guard probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5)) != nil else {
            throw ValidationError("no leader at start")
        }
        // Let the start-up election settle (a higher id may still bully its way in) before counting.
        Thread.sleep(forTimeInterval: 2)
        let result = try FailoverSoak(minutes: soakMinutes, hogs: hog, ordersPerSecond: soakRate)
            .run(cluster: cluster, probe: probe)
        if format == .json {
            print(String(decoding: (try? JSONEncoder().encode(result)) ?? Data(), as: UTF8.self))
        } else {
            FailoverSoak.report(result)
        }
    }

    /// Reads the run's traces and fills in each kill's durations.
    private func measure(_ kills: [Kill], run: String) throws -> [Kill] {
        var timeouts: [Int64] = []
        var coordinators: [(Int64, UInt64)] = []
        var leases: [(Int64, UInt64)] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.hasSuffix(".jsonl.gz") }
        for file in files where file.hasPrefix("executor-") || file == "queue.jsonl.gz" {
            _ = try TraceFileReader().read(path: run + "/" + file) { event in
                switch event.kind {
                case .heartbeatTimeout: timeouts.append(event.wallTimeNanos)
                case .electionLeader:
                    guard let leader = event.payload(ElectionLeader.self), leader.isSelf == true else { break }
                    coordinators.append((event.wallTimeNanos, leader.epoch?.term ?? 0))
                case .queueLease:
                    guard let lease = event.payload(QueueLease.self), lease.renewed != true else { break }
                    leases.append((event.wallTimeNanos, lease.epoch?.term ?? 0))
                default: break
                }
            }
        }
        return kills.map { kill in
            var kill = kill
            let oldTerm = Epoch(validating: kill.epoch)?.term ?? 0
            func ms(_ nanos: Int64?) -> Double? { nanos.map { Double($0 - kill.wallNanos) / 1e6 } }
            kill.toTimeoutMs = ms(timeouts.filter { $0 > kill.wallNanos }.min())
            kill.toCoordinatorMs = ms(coordinators.filter { $0.0 > kill.wallNanos && $0.1 > oldTerm }.map(\.0).min())
            kill.toFirstLeaseMs = ms(leases.filter { $0.0 > kill.wallNanos && $0.1 > oldTerm }.map(\.0).min())
            return kill
        }
    }

    /// How many times the queue recorded a commit of each order.
    private func committedOrders(run: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        _ = try TraceFileReader().read(path: run + "/queue.jsonl.gz") { event in
            if let commit = event.payload(QueueCommit.self) { counts[commit.ack.order, default: 0] += 1 }
        }
        return counts
    }

    private func report(_ result: Result) {
        if format == .json {
            print(String(decoding: (try? JSONEncoder().encode(result)) ?? Data(), as: UTF8.self))
            return
        }
        func stats(_ values: [Double?]) -> String {
            let known = values.compactMap { $0 }.sorted()
            guard !known.isEmpty else { return "n/a" }
            let p90 = known[min(known.count - 1, (known.count * 9 + 9) / 10 - 1)]
            return String(
                format: "median %6.0f ms  p90 %6.0f ms  max %6.0f ms  (n=%d)", known[known.count / 2], p90,
                known.last!, known.count)
        }
        print("Leader failover under load: \(result.kills.count) kills (SIGKILL), cluster of 3 executors on loopback")
        print("  kill → first heartbeat timeout:  " + stats(result.kills.map(\.toTimeoutMs)))
        print("  kill → new coordinator:          " + stats(result.kills.map(\.toCoordinatorMs)))
        print("  kill → new leader's first lease: " + stats(result.kills.map(\.toFirstLeaseMs)))
        print(
            "  orders approved \(result.approved), committed \(result.committed), lost \(result.lost), "
                + "duplicated \(result.duplicated), still pending \(result.pending)")
    }
}

/// Orders sent in small batches from a background thread until stopped (with `pause` seconds between batches for a
/// light load); collects approved order ids.
final class SteadyLoad: Sendable {
    private let url: String
    private let batch: Int
    private let pause: Double
    private let running = Mutex(true)
    private let approved = Mutex<Set<String>>([])
    private let done = DispatchSemaphore(value: 0)

    init(url: String, batch: Int = 40, pause: Double = 0) {
        self.url = url
        self.batch = max(1, batch)
        self.pause = max(0, pause)
    }

    func start() {
        Thread.detachNewThread { [self] in
            var batch: UInt64 = 0
            while running.withLock({ $0 }) {
                batch += 1
                let report = LoadGenerator(
                    baseURL: url, orders: self.batch, concurrency: 1, seed: batch, year: CalendarDate.utcNow().year
                ).run(recorder: TraceRecorder(node: "bench-load", writer: nil))
                approved.withLock { $0.formUnion(report.approvedOrderIDs) }
                if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            }
            done.signal()
        }
    }

    /// Stops after the current batch; returns every approved order id.
    func stop() -> Set<String> {
        running.withLock { $0 = false }
        done.wait()
        return approved.withLock { $0 }
    }
}
