import Checkout
import Cluster
import ClusterProtocol
import Election
import Foundation
import RPC
import Services
import Synchronization
import Testing
import TraceFormat
import TestTimeLimits

/// Real processes: executors elect a leader, the leader is killed and paused under load, and afterwards every
/// approved order was committed exactly once.
@Suite("Executor failover", .serialized)
struct FailoverTests {
    @Test(.runningTimeLimit(.seconds(180)))
    func killingAndPausingTheLeaderUnderLoadLosesAndDuplicatesNothing() throws {
        let root = temporaryPath("failover")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try LocalCluster.launch(
            executable: try locateBookstore(), root: root, runID: "failover", logger: quietLogger
        ) { config in
            config.fraudModel = fraudModelPath
            config.executors.leaseMs = 1000
            config.executors.processingMs = 5
        }
        let (supervisor, config, run) = (cluster.supervisor, cluster.config, cluster.run)
        defer { supervisor.stop() }
        let probe = ExecutorProbe(config: config)
        var leader = try #require(probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5)))
        #expect(leader.id == 3, "the highest id leads at start")

        // Steady load in the background.
        let recorder = try TraceRecorder.file(node: "load", directory: run.path)
        let reportBox = ReportBox()
        let loadDone = DispatchSemaphore(value: 0)
        let (orchestratorURL, credential) = (config.orchestrator.url, cluster.credential)
        Thread.detachNewThread {
            let generator = LoadGenerator(
                baseURL: orchestratorURL, orders: 500, concurrency: 2, seed: 11, year: CalendarDate.utcNow().year,
                credential: credential)
            reportBox.report = generator.run(recorder: recorder)
            loadDone.signal()
        }

        // Three kills of the leader (each restarted after the failover), then one pause past the timeout.
        var failovers: [String] = []
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.4)
            supervisor.signal(SIGKILL, to: leader.node)
            let next = try #require(
                probe.waitForNewLeader(excluding: leader.id, after: leader.epoch, timeout: .seconds(5)),
                "no new leader after killing \(leader.node)")
            failovers.append("\(leader.node)@\(leader.epoch!) → \(next.node)@\(next.epoch!)")
            try supervisor.start(name: leader.node)
            try supervisor.waitUntilHealthy(only: [leader.node], timeout: .seconds(10))
            leader = try #require(
                probe.waitForNewLeader(excluding: nil, after: next.epoch, timeout: .seconds(5))
                    ?? probe.leader())
        }
        Thread.sleep(forTimeInterval: 0.3)
        let paused = try #require(probe.leader())
        supervisor.signal(SIGSTOP, to: paused.node)
        let replacement = try #require(
            probe.waitForNewLeader(excluding: paused.id, after: paused.epoch, timeout: .seconds(5)),
            "no new leader while \(paused.node) is paused")
        supervisor.signal(SIGCONT, to: paused.node)
        failovers.append("\(paused.node)@\(paused.epoch!) paused → \(replacement.node)@\(replacement.epoch!)")

        #expect(loadDone.wait(timeout: .now() + 90) == .success, "the load did not finish")
        recorder.close()
        let report = try #require(reportBox.report)
        #expect(report.unexpected == 0, "\(report.outcomes)")

        // Wait until the queue has nothing waiting or leased, then stop everything and read the traces.
        let snapshot = try #require(QueueDrain.wait(config: config, timeout: .seconds(30)), "the queue does not answer")
        #expect(snapshot.waiting.isEmpty && snapshot.leases.isEmpty, "queue not drained")
        supervisor.stop()
        let approved = Set(report.approvedOrderIDs)
        #expect(approved.count == report.outcomes["approved", default: 0])
        #expect(Set(snapshot.commits.map(\.orderId)) == approved, "the queue committed exactly the approved orders")
        #expect(snapshot.commits.count == approved.count)

        let events = try readRun(run.path, damageAllowed: ["executor-1", "executor-2", "executor-3"])
        let queue = events["queue", default: []]
        let commits = queue.compactMap { $0.payload(QueueCommit.self)?.ack.order }
        #expect(commits.count == approved.count && Set(commits) == approved, "each order committed once in the trace")
        // No commit by a fenced epoch: along the queue's own history, a commit's term is never below a term seen.
        var highestTerm: Int64 = 0
        for event in queue {
            let commit = event.payload(QueueCommit.self)
            let epoch = event.payload(QueueLease.self)?.epoch ?? commit?.ack.epoch
            let term = Int64(clamping: epoch?.term ?? 0)
            if let commit {
                #expect(term >= highestTerm, "commit of \(commit.ack.order) by term \(term) after term \(highestTerm)")
            }
            highestTerm = max(highestTerm, term)
        }
        // Every failover is visible: leaders of at least five distinct epochs, timeouts that detected them.
        let executorEvents = events.filter { $0.key.hasPrefix("executor-") }.values.flatMap { $0 }
        let epochs = Set(
            executorEvents.compactMap { $0.payload(ElectionLeader.self)?.epoch?.description })
        #expect(epochs.count >= 5, "epochs \(epochs.sorted()); failovers \(failovers)")
        #expect(executorEvents.contains { $0.kind == .heartbeatTimeout })
        // Executors' own view: no order executed-and-committed twice, and only approved orders. A killed leader
        // may lose its last events (up to one batch interval before the kill, with up to `executorConcurrency`
        // orders in flight), so its count can fall short of the queue's: the queue's commits above are the record.
        let executed = executorEvents.compactMap { $0.payload(ExecutorCommit.self) }.filter(\.committed).map(\.order)
        #expect(Set(executed).count == executed.count, "an order reported committed twice")
        #expect(Set(executed).isSubset(of: approved), "an executor committed an order nobody approved")
        #expect(executed.count >= approved.count / 2, "executors traced \(executed.count) of \(approved.count) commits")
    }
}

final class ReportBox: Sendable {
    private let value = Mutex<LoadGenerator.Report?>(nil)
    var report: LoadGenerator.Report? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
