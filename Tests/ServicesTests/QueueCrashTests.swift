import Checkout
import Cluster
import ClusterProtocol
import Foundation
import RPC
import Services
import Testing
import TraceFormat
import TestTimeLimits

/// Real processes: the Order Queue is killed with -9 under load and restarted on its data directory; every order
/// the client saw approved is still committed, exactly once.
@Suite("Order queue crash", .serialized)
struct QueueCrashTests {
    @Test(.runningTimeLimit(.seconds(180)))
    func killingTheQueueUnderLoadLosesNoApprovedOrder() throws {
        let root = temporaryPath("queue-crash")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try LocalCluster.launch(
            executable: try locateBookstore(), root: root, runID: "queue-crash", logger: quietLogger
        ) { config in
            config.fraudModel = fraudModelPath
            config.executors.leaseMs = 1000
            config.executors.processingMs = 60  // a backlog builds up, so the kill finds orders waiting and leased
        }
        let (supervisor, config, run) = (cluster.supervisor, cluster.config, cluster.run)
        defer { supervisor.stop() }
        let recorder = try TraceRecorder.file(node: "load", directory: run.path)
        let reportBox = ReportBox()
        let loadDone = DispatchSemaphore(value: 0)
        let url = config.orchestrator.url
        Thread.detachNewThread {
            reportBox.report = LoadGenerator(
                baseURL: url, orders: 400, concurrency: 8, seed: 5, year: CalendarDate.utcNow().year
            ).run(recorder: recorder)
            loadDone.signal()
        }
        Thread.sleep(forTimeInterval: 0.6)
        #expect(supervisor.signal(SIGKILL, to: "queue"))
        try supervisor.start(name: "queue")
        try supervisor.waitUntilHealthy(only: ["queue"], timeout: .seconds(10))
        #expect(loadDone.wait(timeout: .now() + 90) == .success, "the load did not finish")
        recorder.close()
        let report = try #require(reportBox.report)
        let approved = Set(report.approvedOrderIDs)
        #expect(approved.count > 50, "\(report.outcomes)")

        let snapshot = try #require(QueueDrain.wait(config: config, timeout: .seconds(60)), "the queue does not answer")
        #expect(snapshot.waiting.isEmpty && snapshot.leases.isEmpty, "queue not drained")
        let committed = Set(snapshot.commits.map(\.orderId))
        #expect(
            approved.subtracting(committed).isEmpty, "approved but never committed: \(approved.subtracting(committed))")
        supervisor.stop()

        let events = try readRun(run.path, damageAllowed: ["queue"])
        let executed = events.filter { $0.key.hasPrefix("executor-") }.values.joined()
            .compactMap { $0.payload(ExecutorCommit.self) }.filter(\.committed).map(\.order)
        #expect(executed.count == Set(executed).count, "an order was executed and committed twice")
        let recovered = events["queue", default: []].filter { $0.kind == .queueRecovered }
        #expect(recovered.count == 2, "the restarted queue replayed its log")
        let after = recovered.last?.data ?? [:]
        #expect((after["records"]?.intValue ?? 0) > 0)
        #expect(
            (after["waiting"]?.intValue ?? 0) + (after["revoked"]?.intValue ?? 0) > 0,
            "the kill found orders waiting or leased: \(after)")
    }

    /// SIGTERM to the leader while it works on several orders: it finishes and acknowledges them (or gives them
    /// back) before it exits, so no lease of it is left to expire at the queue.
    @Test(.runningTimeLimit(.seconds(120)))
    func aLeaderStoppedCleanlyLeavesNoLeaseBehind() throws {
        let root = temporaryPath("leader-stop")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try LocalCluster.launch(
            executable: try locateBookstore(), root: root, runID: "leader-stop", logger: quietLogger
        ) { config in
            config.fraudModel = fraudModelPath
            config.executors.leaseMs = 5000
            config.executors.processingMs = 150
        }
        let (supervisor, config, run) = (cluster.supervisor, cluster.config, cluster.run)
        defer { supervisor.stop() }
        let probe = ExecutorProbe(config: config)
        let leader = try #require(probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5)))
        let recorder = TraceRecorder(node: "load", writer: nil)
        let report = LoadGenerator(
            baseURL: config.orchestrator.url, orders: 60, concurrency: 8, seed: 3, year: CalendarDate.utcNow().year,
            credential: cluster.credential
        ).run(recorder: recorder)
        #expect(report.outcomes["approved", default: 0] > 10)
        let queue = RPCClient(
            peer: "queue", baseURL: config.queue.url, recorder: recorder, logger: quietLogger,
            defaultDeadline: .seconds(2), credential: cluster.credential)
        let held = try queue.call(QueueRPC.inspect, NoPayload()).leases
            .filter { $0.executor == leader.id }
        #expect(held.count > 1, "the leader works on several orders at once")
        #expect(supervisor.signal(SIGTERM, to: leader.node))
        // Well within the lease time: the stopped leader's leases ended by ack or release, not by expiry.
        let deadline = ContinuousClock.now + .seconds(3)
        var leftover = held
        while ContinuousClock.now < deadline {
            leftover = try queue.call(QueueRPC.inspect, NoPayload()).leases
                .filter { $0.executor == leader.id && $0.epoch == leader.epoch }
            if leftover.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(leftover.isEmpty, "leases of the stopped leader remain: \(leftover.map(\.orderId))")
        _ = QueueDrain.wait(config: config, timeout: .seconds(30))
        supervisor.stop()
        let events = try readRun(run.path)
        let expired = events["queue", default: []].filter {
            $0.payload(QueueLeaseExpired.self)?.end.executor == leader.id
        }
        #expect(expired.isEmpty, "a lease of the stopped leader expired")
    }
}
