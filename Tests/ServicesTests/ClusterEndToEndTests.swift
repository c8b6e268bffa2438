import Causality
import Checkout
import Cluster
import ClusterProtocol
import Foundation
import RPC
import Services
import Testing
import TraceFormat

/// The real cluster: every service its own process, started by the supervisor, traced to files.
@Suite("Cluster end to end", .serialized)
struct ClusterEndToEndTests {
    @Test func everyOrderIsTracedByAllServicesAndTheFinalClockDominatesTheirs() throws {
        let root = temporaryPath("e2e")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try LocalCluster.launch(
            executable: try locateBookstore(), root: root, runID: "e2e", logger: quietLogger
        ) { $0.fraudModel = fraudModelPath }
        let (supervisor, config, run) = (cluster.supervisor, cluster.config, cluster.run)
        defer { supervisor.stop() }
        #expect(supervisor.children.count == 8)

        let recorder = try TraceRecorder.file(node: "load", directory: run.path)
        let report = LoadGenerator(
            baseURL: config.orchestrator.url, orders: 60, concurrency: 4, seed: 7, year: CalendarDate.utcNow().year,
            credential: cluster.credential
        ).run(recorder: recorder)
        recorder.close()
        supervisor.stop()
        #expect(report.outcomes["approved", default: 0] + report.outcomes["rejected", default: 0] == 60, "\(report)")
        #expect(report.unexpected == 0, "\(report)")

        let events = try readRun(run.path)
        #expect(
            Set(events.keys) == [
                "orchestrator", "verification", "fraud", "suggestions", "queue", "load", "executor-1", "executor-2",
                "executor-3",
            ])
        let decisions = events["orchestrator", default: []].filter { $0.kind == .orderDecision }
        #expect(decisions.count == 60)
        for decision in decisions {
            // The orchestrator names the order; the checkout's trace id is another id.
            let payload = try #require(decision.payload(OrderDecision.self))
            let order = payload.order
            let trace = try #require(decision.traceID)
            #expect(OrderID.isValid(order) && order != trace, "order \(order), trace \(trace)")
            let approved = payload.approved
            for service in ["verification", "fraud", "suggestions"] + (approved ? ["queue"] : []) {
                // The part of the order that happens for the orchestrator (the queue's later leasing and
                // committing to an executor comes after the decision). An order asked about together with other
                // checkouts has its three services' calls in the batch's trace, which its decision names.
                let traced = service == "queue" ? trace : payload.fanOutTrace ?? trace
                let mine = events[service, default: []].filter {
                    $0.traceID == traced && ![EventKind.queueLease, .queueCommit, .queueAckRefused].contains($0.kind)
                        && !["lease", "ack"].contains(RPCEvent.decoded($0)?.method ?? "")
                }
                #expect(!mine.isEmpty, "\(service) has no event of order \(order) (trace \(traced))")
                for event in mine {
                    #expect(
                        event.clock.isDominated(by: decision.clock),
                        "\(service) \(event.handle) \(event.clock) is not before the decision \(decision.clock)")
                    #expect(event.clock.compare(decision.clock) == .before)
                }
            }
            let enqueued = events["queue", default: []].filter {
                $0.payload(QueueEnqueue.self)?.order == order && $0.traceID == trace
            }
            #expect(enqueued.count == (approved ? 1 : 0), "order \(order) approved=\(approved)")
        }
        // Every approved order the client saw is in the queue's trace exactly once.
        let queued = events["queue", default: []].compactMap {
            $0.payload(QueueEnqueue.self)?.order
        }
        #expect(Set(queued) == Set(report.approvedOrderIDs))
        #expect(queued.count == report.approvedOrderIDs.count)
    }
}
