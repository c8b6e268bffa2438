import Checkout
import Cluster
import ClusterProtocol
import Foundation
import SeededRandom
import Services
import Testing
import TraceAnalysis
import TraceFormat
import TestTimeLimits

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

    @Test(.runningTimeLimit(.seconds(180)))
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
        var chaos = ChaosSchedule(cluster: cluster, random: SplitMix64(seed: seed))
        _ = try #require(chaos.probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5)))

        let recorder = try TraceRecorder.file(node: "load", directory: cluster.run.path)
        let load = SteadyChaosLoad(
            cluster: cluster, seed: seed, minimum: Self.minimumOrders, maximum: Self.minimumOrders * 4,
            recorder: recorder)
        Thread.sleep(forTimeInterval: 0.5)
        var actions =
            Array(repeating: ChaosSchedule.Action.killQueue, count: 5)
            + Array(repeating: ChaosSchedule.Action.killLeader, count: 5) + [.pauseLeader, .pauseLeader]
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

        let logged = Set(snapshot.commits.map(\.orderId))
        let untraced = try expectQueueTraces(cluster, approved: approved, logged: logged, context)
        try expectAnalyzerPasses(cluster.run.path, approved: approved, context)
        print(
            "durability chaos: \(report.orders) orders, \(approved.count) approved, \(report.retries) retries, "
                + "\(untraced) commits cut from the queue's trace; \(context)")
    }

    @Test(.runningTimeLimit(.seconds(120)))
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
            // One order a lease: with batch leases two slots commit 80 orders a second, and a load slowed down by
            // a busy machine could be all committed before the stop (nothing left to resume).
            config.executors.executorLeaseBatch = 1
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
        let (missing, _) = expectCommittedOnce(commits, approved: approved, "seed \(Self.seed)")
        #expect(missing == 0, "approved orders without a queue.commit in either run (no queue was killed)")
        let ledger = before.ledger.committed + after.ledger.committed
        #expect(ledger.count == approved.count && Set(ledger) == approved, "the analyzer's commits of both runs")
        print("durability resume: \(approved.count) approved, \(waiting.count) waiting at the stop, resumed")
    }
}

extension DurabilityChaosTests {
    /// The queue's own trace: each approved order committed once, nothing else (a commit cut off by a kill must be
    /// one an executor recorded, or else one a restarted queue replayed from its log); every restart replayed
    /// the log; the supervisor restarted the killed services. Returns how many commits the queue's trace lost.
    func expectQueueTraces(
        _ cluster: LocalCluster, approved: Set<String>, logged: Set<String>, _ context: String
    ) throws -> Int {
        let queue = try nodeEvents("queue", cluster.run.path)
        let executed = try (1...3).flatMap { try nodeEvents("executor-\($0)", cluster.run.path) }
            .compactMap { $0.payload(ExecutorCommit.self) }.filter(\.committed).map(\.order)
        #expect(Set(executed).count == executed.count, "an executor recorded an order committed twice; \(context)")
        let (untraced, unexplained) = expectCommittedOnce(
            queue.filter { $0.kind == .queueCommit }, approved: approved, tracedByExecutors: Set(executed), context)
        #expect(untraced <= 5 * cluster.config.executors.executorConcurrency, "commits cut from the queue's trace")
        let recovered = Set(
            queue.compactMap { $0.payload(QueueRecovered.self) }.flatMap(\.recentCommits))
        expectRecoveredFromTheLog(unexplained, logged: logged, recovered: recovered, context)
        #expect(queue.filter { $0.kind == .queueRecovered }.count == 6, "start + 5 restarts; \(context)")
        let restarted = try nodeEvents("supervisor", cluster.run.path).compactMap { $0.payload(ServiceRestarted.self)?.service }
        #expect(restarted.filter { $0 == "queue" }.count == 5, "the supervisor restarted the queue; \(context)")
        #expect(restarted.filter { $0.hasPrefix("executor-") }.count == 5, "\(restarted); \(context)")
        return untraced
    }

    /// The analyzer over the whole run: no violation of any check; exactly-once sees each approved order
    /// committed once, nothing waiting, nothing carried (a commit the queue's trace lost is a warning that names
    /// the evidence: the executor's record of it, or the restarted queue's replay of its log).
    func expectAnalyzerPasses(_ run: String, approved: Set<String>, _ context: String) throws {
        let analysis = try RunAnalysis.check(directory: run)
        let exactlyOnce = try #require(analysis.result("exactly-once"))
        let unseen = approved.subtracting(analysis.ledger.committed)
        #expect(unseen.isEmpty, "\(exactlyOnce.info); not committed in the traces: \(unseen.sorted()); \(context)")
        #expect(exactlyOnce.info["lost"] == 0, "\(exactlyOnce.info)")
        #expect(analysis.violationCount == 0, "\(analysis.text())\n\(context)")
        #expect(exactlyOnce.info["duplicated"] == 0 && exactlyOnce.info["unexpected"] == 0, "\(exactlyOnce.info)")
        #expect(analysis.ledger.waiting.isEmpty, "drained, yet the analyzer sees orders waiting; \(context)")
        #expect(analysis.ledger.carried.isEmpty, "a fresh data directory carries nothing; \(context)")
        let committed = analysis.ledger.committed
        #expect(committed.count == Set(committed).count && Set(committed).isSubset(of: approved), "\(context)")
    }

    /// A commit the kill cut from the queue's trace before the executor could record the answer either (the queue
    /// died after its commit was durable, before it replied): the restarted queue must list it among the newest
    /// commits replayed from its log (`queue.recovered`'s `recent_commits`), and it must be in the drained queue.
    func expectRecoveredFromTheLog(
        _ orders: Set<String>, logged: Set<String>, recovered: Set<String>, _ context: String
    ) {
        #expect(
            orders.isSubset(of: logged), "not in the queue's log: \(orders.subtracting(logged).sorted()); \(context)")
        #expect(
            orders.isSubset(of: recovered),
            "in no trace and not replayed by a restarted queue: \(orders.subtracting(recovered).sorted()); \(context)")
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
/// No order has two `queue.commit` among `commits`, none an unapproved one. A `kill -9` of the queue loses the last
/// milliseconds of its trace (the write-ahead log keeps them), so an approved order may have none: returns how many,
/// and those of them that no executor recorded committed either (`tracedByExecutors`: the executor records the
/// queue's "committed" answer to its ack, given once the commit is durable).
private func expectCommittedOnce(
    _ commits: [TraceEvent], approved: Set<String>, tracedByExecutors: Set<String> = [], _ context: String
) -> (missing: Int, unexplained: Set<String>) {
    var counts: [String: Int] = [:]
    for commit in commits { counts[commit.payload(QueueCommit.self)?.ack.order ?? "?", default: 0] += 1 }
    let twice = counts.filter { $0.value > 1 }.keys.sorted()
    let missing = approved.filter { counts[$0] == nil }
    let unexplained = missing.subtracting(tracedByExecutors)
    let unapproved = Set(counts.keys).subtracting(approved).sorted()
    #expect(twice.isEmpty, "committed more than once: \(twice); \(context)")
    #expect(unapproved.isEmpty, "committed, never approved: \(unapproved); \(context)")
    return (missing.count, unexplained)
}

/// Every event of `node`'s trace in `directory` (all segments); a file cut by a kill may end early.
private func nodeEvents(_ node: String, _ directory: String) throws -> [TraceEvent] {
    var events: [TraceEvent] = []
    let reports = try TraceFileReader().read(node: node, directory: directory) { events.append($0) }
    for report in reports { #expect(report.malformed.isEmpty, "\(report.problems)") }
    return events
}
