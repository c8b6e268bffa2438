import Checkout
import Cluster
import ClusterProtocol
import Foundation
import SeededRandom
import Services
import Synchronization
import Testing
import TraceFormat

/// The faults of the chaos test, applied to a live cluster one at a time.
struct ChaosSchedule {
    enum Action { case killQueue, killLeader, pauseLeader }

    let supervisor: ClusterSupervisor
    let probe: ExecutorProbe
    let leaderTimeoutMs: Int
    var random: SplitMix64
    /// What was done, for failure messages.
    var log: [String] = []

    init(cluster: LocalCluster, random: SplitMix64) {
        supervisor = cluster.supervisor
        probe = ExecutorProbe(config: cluster.config)
        leaderTimeoutMs = cluster.config.executors.leaderTimeoutMs
        self.random = random
    }

    /// Waits a random moment (100–600 ms), then applies `action` and waits until the cluster is whole again.
    mutating func perform(_ action: Action) throws {
        Thread.sleep(forTimeInterval: Double.random(in: 0.1..<0.6, using: &random))
        switch action {
        case .killQueue: try killQueue()
        case .killLeader: try killLeader()
        case .pauseLeader: try pauseLeader()
        }
    }

    /// `kill -9` of the queue, unannounced: the supervisor must restart it on its own.
    private mutating func killQueue() throws {
        let queue = try #require(supervisor.children.first { $0.name == "queue" }, "no queue; \(log)")
        kill(queue.pid, SIGKILL)
        log.append("kill -9 queue \(queue.pid)")
        try awaitRestart(of: "queue", replacing: queue.pid)
    }

    /// `kill -9` of the leader (its pid proven to be the supervisor's child), restarted by the supervisor.
    private mutating func killLeader() throws {
        let leader = try currentLeader()
        let child = try #require(supervisor.children.first { $0.name == leader.node })
        try #require(child.pid == leader.pid, "the leader's pid \(leader.pid) is not the run's \(leader.node)")
        kill(child.pid, SIGKILL)
        // Whoever leads a newer epoch: the supervisor may have restarted the killed one, and it may win again.
        let next = try #require(
            probe.waitForNewLeader(excluding: nil, after: leader.epoch, timeout: .seconds(5)),
            "no new leader after killing \(leader.node); \(log)")
        log.append("kill -9 \(leader.node)@\(leader.epoch!) → \(next.node)@\(next.epoch!)")
        try awaitRestart(of: leader.node, replacing: child.pid)
    }

    /// SIGSTOP of the leader past the leader timeout (until another leads a newer epoch), then SIGCONT.
    private mutating func pauseLeader() throws {
        let leader = try currentLeader()
        kill(leader.pid, SIGSTOP)
        let next = probe.waitForNewLeader(excluding: leader.id, after: leader.epoch, timeout: .seconds(5))
        Thread.sleep(forTimeInterval: Double(leaderTimeoutMs) / 1000)
        kill(leader.pid, SIGCONT)
        let replacement = try #require(next, "no new leader while \(leader.node) was paused; \(log)")
        log.append("pause \(leader.node)@\(leader.epoch!) → \(replacement.node)@\(replacement.epoch!)")
    }

    private func currentLeader() throws -> ExecutorStatus {
        try #require(
            probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5)), "no leader; \(log)")
    }

    /// Waits until the supervisor has started `node` again (a new pid) and it answers `/healthz`.
    private func awaitRestart(of node: String, replacing pid: Int32) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !supervisor.children.contains(where: { $0.name == node && $0.pid != pid }) {
            Thread.sleep(forTimeInterval: 0.02)
        }
        try #require(
            supervisor.children.contains { $0.name == node && $0.pid != pid },
            "the supervisor did not restart \(node); \(log)")
        try supervisor.waitUntilHealthy(only: [node], timeout: .seconds(10))
    }
}

/// Load in batches on a background thread until the chaos is over and at least `minimum` orders were sent (or
/// `maximum` were): so every fault lands under load, and the run stays bounded.
final class SteadyChaosLoad: Sendable {
    private let over = Mutex(false)
    private let reports = Mutex<[LoadGenerator.Report]>([])
    private let done = DispatchSemaphore(value: 0)

    init(cluster: LocalCluster, seed: UInt64, minimum: Int, maximum: Int, recorder: TraceRecorder) {
        let (url, credential) = (cluster.config.orchestrator.url, cluster.credential)
        // Enough retries (same key) to outlast a queue restart: about 2.5 to 5 s of backoff.
        let retry = CheckoutRetry(maxRetries: 12, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500))
        Thread.detachNewThread { [self] in
            var sent = 0
            var batch: UInt64 = 0
            while sent < maximum && !(over.withLock { $0 } && sent >= minimum) {
                let report = LoadGenerator(
                    baseURL: url, orders: 25, concurrency: 4, seed: seed &+ batch &* 1_000_003,
                    year: CalendarDate.utcNow().year, credential: credential, retry: retry
                ).run(recorder: recorder)
                reports.withLock { $0.append(report) }
                sent += report.orders
                batch += 1
            }
            done.signal()
        }
    }

    func chaosIsOver() { over.withLock { $0 = true } }

    /// The batches' reports merged, or nil if the load is still running after `seconds`.
    func wait(seconds: Double) -> LoadGenerator.Report? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return reports.withLock { reports in
            guard var total = reports.first else { return nil }
            for report in reports.dropFirst() {
                total.orders += report.orders
                total.seconds += report.seconds
                total.outcomes.merge(report.outcomes, uniquingKeysWith: +)
                total.sent.merge(report.sent, uniquingKeysWith: +)
                total.unexpected += report.unexpected
                total.approvedOrderIDs += report.approvedOrderIDs
                total.retries += report.retries
                total.retriedOrders += report.retriedOrders
                total.gaveUp += report.gaveUp
            }
            return total
        }
    }
}
