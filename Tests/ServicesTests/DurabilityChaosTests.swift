import Checkout
import Cluster
import Foundation
import SeededRandom
import Services
import Testing
import TraceAnalysis
import TraceFormat

/// Real processes under load: the Order Queue killed with -9 five times (the supervisor restarts it by itself),
/// the leader killed five times and paused twice; then a clean stop with orders waiting and an `up` on the same
/// data directory. Every order the load tool saw approved is committed exactly once, by the queue's trace and by
/// the analyzer.
///
/// `BOOKSTORE_CHAOS_SEED` fixes the chaos schedule (printed in every failure); `BOOKSTORE_CHAOS_ORDERS` sets the
/// least number of orders sent under chaos (default 300; the load goes on until the chaos is over).
@Suite("Durability under chaos", .serialized)
struct DurabilityChaosTests {
    static let seed: UInt64 = {
        let text = ProcessInfo.processInfo.environment["BOOKSTORE_CHAOS_SEED"] ?? ""
        return UInt64(text) ?? UInt64(text.replacingOccurrences(of: "0x", with: ""), radix: 16)
            ?? UInt64.random(in: 0...UInt64.max)
    }()
    static let minimumOrders =
        ProcessInfo.processInfo.environment["BOOKSTORE_CHAOS_ORDERS"].flatMap { Int($0) }.map { max(20, $0) } ?? 300

    @Test(.timeLimit(.minutes(3)))
    func queueKillsLeaderKillsAndPausesUnderLoadCommitEveryApprovedOrderExactlyOnce() throws {
        let seed = Self.seed
        print("durability chaos: seed \(seed) (BOOKSTORE_CHAOS_SEED), at least \(Self.minimumOrders) orders")
        let root = temporaryPath("durability-chaos")
        defer { removeUnlessKept(root) }
        let cluster = try LocalCluster.launch(
            executable: try locateBookstore(), root: root, runID: "chaos", logger: quietLogger
        ) { config in
            config.fraudModel = fraudModelPath
            config.executors.leaseMs = 1000
            config.supervision.backoffMs = 50
            config.supervision.maxBackoffMs = 400
        }
        let supervisor = cluster.supervisor
        defer { supervisor.stop() }
        var chaos = Chaos(cluster: cluster, random: SplitMix64(seed: seed))
        _ = try #require(chaos.probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5)))

        let recorder = try TraceRecorder.file(node: "load", directory: cluster.run.path)
        let load = SteadyLoad(
            cluster: cluster, seed: seed, minimum: Self.minimumOrders, maximum: Self.minimumOrders * 4,
            recorder: recorder)
        Thread.sleep(forTimeInterval: 0.5)
        var actions =
            Array(repeating: Chaos.Action.killQueue, count: 5)
            + Array(repeating: Chaos.Action.killLeader, count: 5) + [.pauseLeader, .pauseLeader]
        actions.shuffle(using: &chaos.random)
        for action in actions {
            try chaos.perform(action)
        }
        load.chaosIsOver()
        let context = "seed \(seed); chaos: \(chaos.log.joined(separator: "; "))"
        let report = try #require(load.wait(seconds: 90), "the load did not finish; \(context)")
        recorder.close()
        #expect(
            report.unexpected == 0 && report.gaveUp == 0, "\(report.outcomes), gave up \(report.gaveUp); \(context)")
        let approved = Set(report.approvedOrderIDs)
        #expect(approved.count == report.approvedOrderIDs.count, "an order id was approved twice; \(context)")
        #expect(approved.count >= Self.minimumOrders / 3, "\(report.outcomes); \(context)")

        let snapshot = try #require(
            QueueDrain.wait(config: cluster.config, timeout: .seconds(60)), "the queue does not answer; \(context)")
        #expect(snapshot.waiting.isEmpty && snapshot.leases.isEmpty, "queue not drained; \(context)")
        #expect(Set(snapshot.commits.map(\.orderId)) == approved, "the queue committed exactly the approved orders")
        #expect(snapshot.commits.count == approved.count, "the queue's log holds one commit per order; \(context)")
        supervisor.stop()
        #expect(RunProcesses(directory: cluster.run.path).live().isEmpty, "processes left after the stop")

        // The queue's own trace: each approved order committed once, nothing else; every restart replayed the log.
        let queue = try nodeEvents("queue", cluster.run.path)
        let executed = try (1...3).flatMap { try nodeEvents("executor-\($0)", cluster.run.path) }
            .filter { $0.kind == .executorCommit && $0.data["outcome"]?.stringValue == "committed" }
            .compactMap { $0.data["order"]?.stringValue }
        #expect(Set(executed).count == executed.count, "an executor recorded an order committed twice; \(context)")
        let untraced = expectCommittedOnce(
            queue.filter { $0.kind == .queueCommit }, approved: approved, tracedByExecutors: Set(executed), context)
        #expect(untraced <= 5 * cluster.config.executors.executorConcurrency, "commits cut from the queue's trace")
        #expect(queue.filter { $0.kind == .queueRecovered }.count == 6, "start + 5 restarts; \(context)")
        let restarted = try nodeEvents("supervisor", cluster.run.path).filter { $0.kind == .serviceRestarted }
            .compactMap { $0.data["service"]?.stringValue }
        #expect(restarted.filter { $0 == "queue" }.count == 5, "the supervisor restarted the queue; \(context)")
        #expect(restarted.filter { $0.hasPrefix("executor-") }.count == 5, "\(restarted); \(context)")

        // The analyzer over the whole run: no violation of any check, exactly-once in particular.
        let analysis = try RunAnalysis.check(directory: cluster.run.path)
        let exactlyOnce = try #require(analysis.result("exactly-once"))
        #expect(exactlyOnce.violations == 0, "\(analysis.text())\n\(context)")
        #expect(analysis.violationCount == 0, "\(analysis.text())\n\(context)")
        #expect(exactlyOnce.info["lost"] == 0 && exactlyOnce.info["duplicated"] == 0, "\(exactlyOnce.info)")
        #expect(analysis.ledger.waiting.isEmpty, "drained, yet the analyzer sees orders waiting; \(context)")
        #expect(analysis.ledger.carried.isEmpty, "a fresh data directory carries nothing; \(context)")
        #expect(analysis.ledger.committed.count == approved.count && Set(analysis.ledger.committed) == approved)
        print(
            "durability chaos: \(report.orders) orders, \(approved.count) approved, \(report.retries) retries, "
                + "\(untraced) commits cut from the queue's trace; \(context)")
    }

    @Test(.timeLimit(.minutes(2)))
    func ordersWaitingAtACleanStopAreCommittedOnceByTheNextUpOnTheSameDataDirectory() throws {
        let root = temporaryPath("durability-resume")
        defer { removeUnlessKept(root) }
        let dataDirectory = (root as NSString).appendingPathComponent("queue-data")
        let executable = try locateBookstore()
        let first = try LocalCluster.launch(
            executable: executable, root: root, runID: "before-stop", logger: quietLogger
        ) { config in
            config.fraudModel = fraudModelPath
            config.queueStore.dataDir = dataDirectory
            config.executors.processingMs = 400  // slow: most approved orders still wait at the stop
            config.executors.executorConcurrency = 2
        }
        defer { first.supervisor.stop() }
        let recorder = try TraceRecorder.file(node: "load", directory: first.run.path)
        let report = LoadGenerator(
            baseURL: first.config.orchestrator.url, orders: 120, concurrency: 4, seed: Self.seed,
            year: CalendarDate.utcNow().year, credential: first.credential
        ).run(recorder: recorder)
        recorder.close()
        first.supervisor.stop()
        let approved = Set(report.approvedOrderIDs)
        #expect(report.unexpected == 0 && report.gaveUp == 0, "\(report.outcomes)")
        #expect(approved.count == report.approvedOrderIDs.count)

        let before = try RunAnalysis.check(directory: first.run.path)
        #expect(before.violationCount == 0, "\(before.text())")
        let committedBefore = Set(before.ledger.committed)
        let waiting = Set(before.ledger.waiting)
        try #require(!waiting.isEmpty, "no order waited at the stop: nothing to resume (\(before.text()))")
        #expect(waiting == approved.subtracting(committedBefore), "approved, not committed, reported as waiting")
        #expect(before.result("exactly-once")?.info["waiting in the durable queue"] == waiting.count)
        #expect(before.result("exactly-once")?.info["lost"] == 0)

        let second = try LocalCluster.launch(
            executable: executable, root: root, runID: "after-up", logger: quietLogger
        ) { config in
            config.fraudModel = fraudModelPath
            config.queueStore.dataDir = dataDirectory
        }
        defer { second.supervisor.stop() }
        let snapshot = try #require(QueueDrain.wait(config: second.config, timeout: .seconds(60)))
        #expect(snapshot.waiting.isEmpty && snapshot.leases.isEmpty, "the next run did not drain the queue")
        second.supervisor.stop()

        let after = try RunAnalysis.check(directory: second.run.path)
        #expect(after.violationCount == 0, "\(after.text())")
        #expect(Set(after.ledger.carried) == waiting, "the next run recovered exactly the waiting orders")
        let together = RunsTogether.check(before, then: after)
        #expect(together.violations == 0, "\(together.findings.map { $0.textLines().joined(separator: "\n") })")
        #expect(together.info["resumed"] == waiting.count)
        let commits = try [first.run.path, second.run.path].flatMap {
            try nodeEvents("queue", $0).filter { $0.kind == .queueCommit }
        }
        expectCommittedOnce(commits, approved: approved, "seed \(Self.seed)")
        let ledger = before.ledger.committed + after.ledger.committed
        #expect(ledger.count == approved.count && Set(ledger) == approved, "the analyzer's commits of both runs")
        print("durability resume: \(approved.count) approved, \(waiting.count) waiting at the stop, resumed")
    }
}

/// Removes a test's directory, unless `BOOKSTORE_CHAOS_KEEP` is set (then prints where it is, for the analyzer).
private func removeUnlessKept(_ root: String) {
    if ProcessInfo.processInfo.environment["BOOKSTORE_CHAOS_KEEP"] != nil {
        print("kept \(root)")
    } else {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Each approved order has exactly one `queue.commit` among `commits`, and no other order has one.
/// A `kill -9` of the queue loses the last milliseconds of its trace (the write-ahead log keeps them): a commit
/// missing from the trace is accepted only when it is in `tracedByExecutors`, the orders whose executor recorded the
/// queue's "committed" answer to its ack (given once the commit is durable). Returns how many were missing.
@discardableResult
private func expectCommittedOnce(
    _ commits: [TraceEvent], approved: Set<String>, tracedByExecutors: Set<String> = [], _ context: String
) -> Int {
    var counts: [String: Int] = [:]
    for commit in commits { counts[commit.data["order"]?.stringValue ?? "?", default: 0] += 1 }
    let twice = counts.filter { $0.value > 1 }.keys.sorted()
    let missing = approved.filter { counts[$0] == nil }
    let unexplained = missing.subtracting(tracedByExecutors).sorted()
    let unapproved = Set(counts.keys).subtracting(approved).sorted()
    #expect(twice.isEmpty, "committed more than once: \(twice); \(context)")
    #expect(unexplained.isEmpty, "approved, never committed: \(unexplained); \(context)")
    #expect(unapproved.isEmpty, "committed, never approved: \(unapproved); \(context)")
    return missing.count
}

/// Every event of `node`'s trace in `directory` (all segments); a file cut by a kill may end early.
private func nodeEvents(_ node: String, _ directory: String) throws -> [TraceEvent] {
    var events: [TraceEvent] = []
    let reports = try TraceFileReader().read(node: node, directory: directory) { events.append($0) }
    for report in reports { #expect(report.malformed.isEmpty, "\(report.problems)") }
    return events
}

/// The faults of the chaos test, applied to a live cluster one at a time.
private struct Chaos {
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
private final class SteadyLoad: @unchecked Sendable {
    private let lock = NSLock()
    private var over = false
    private var reports: [LoadGenerator.Report] = []
    private let done = DispatchSemaphore(value: 0)

    init(cluster: LocalCluster, seed: UInt64, minimum: Int, maximum: Int, recorder: TraceRecorder) {
        let (url, credential) = (cluster.config.orchestrator.url, cluster.credential)
        // Enough retries (same key) to outlast a queue restart: about 2.5 to 5 s of backoff.
        let retry = CheckoutRetry(maxRetries: 12, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500))
        Thread.detachNewThread { [self] in
            var sent = 0
            var batch: UInt64 = 0
            while sent < maximum && !(lock.withLock { over } && sent >= minimum) {
                let report = LoadGenerator(
                    baseURL: url, orders: 25, concurrency: 4, seed: seed &+ batch &* 1_000_003,
                    year: CalendarDate.utcNow().year, credential: credential, retry: retry
                ).run(recorder: recorder)
                lock.withLock { reports.append(report) }
                sent += report.orders
                batch += 1
            }
            done.signal()
        }
    }

    func chaosIsOver() { lock.withLock { over = true } }

    /// The batches' reports merged, or nil if the load is still running after `seconds`.
    func wait(seconds: Double) -> LoadGenerator.Report? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return lock.withLock {
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
