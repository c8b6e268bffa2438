import Cluster
import ClusterProtocol
import Foundation
import RPC
import Synchronization
import Testing
import TraceFormat

@testable import Services

/// How the orchestrator's server shares its threads between connections (`threadPerConnection` in the cluster
/// config): a checkout held up downstream must not hold up another connection's request. The orchestrator runs
/// with a pool of one worker, so that in pool mode every connection shares that worker (what happens by chance to
/// two of eight connections on a pool of sixteen); the stand-in queue holds each `enqueue` for `holdSeconds`.
@Suite("Orchestrator serving", .serialized)
struct OrchestratorServingTests {
    /// How long the stand-in queue holds each enqueue: a request answered within half of it was not held up behind
    /// the checkout, even on a busy machine.
    static let holdSeconds = 1.0

    /// The real leaf services in this process, a stand-in queue that answers each enqueue late, and the
    /// orchestrator started by `ServiceFactory` with `threadPerConnection`.
    final class Running: Sendable {
        let services: InProcessCluster
        let queueServer: RPCServer
        let orchestrator: RPCServer
        /// Signalled when an enqueue reaches the stand-in queue (the checkout is then held there).
        let enqueueArrived = DispatchSemaphore(value: 0)

        init(threadPerConnection: Bool) throws {
            services = try InProcessCluster(tracesDirectory: nil, roles: [.verification, .fraud, .suggestions]) {
                $0.fraudModel = fraudModelPath
            }
            var router = Router()
            router.register(QueueRPC.enqueue) { [enqueueArrived] _, _ in
                enqueueArrived.signal()
                Thread.sleep(forTimeInterval: OrchestratorServingTests.holdSeconds)
                return .stored(position: 0, depth: 1)
            }
            let queueHost = ServiceHost(
                node: "queue", recorder: TraceRecorder(node: "queue", writer: nil), logger: quietLogger,
                metricsEnabled: false)
            queueServer = try queueHost.startServer(
                router: router, address: ListenAddress(host: "127.0.0.1", port: 0), threads: 2,
                threadPerConnection: true)
            var config = services.config
            config.queue.address = "127.0.0.1:\(queueServer.port)"
            config.deadlines.queueMs = 5_000
            config.orchestratorThreads = 1
            config.threadPerConnection = threadPerConnection
            let host = ServiceHost(
                node: "orchestrator", recorder: TraceRecorder(node: "orchestrator", writer: nil),
                logger: quietLogger, metricsEnabled: false)
            orchestrator = try ServiceFactory.start(
                .orchestrator, config: config, host: host, address: ListenAddress(host: "127.0.0.1", port: 0))
        }

        var url: String { "http://127.0.0.1:\(orchestrator.port)" }

        func stop() {
            orchestrator.stop()
            queueServer.stop()
            services.stop()
        }
    }

    /// Seconds `GET /healthz` took on a connection of its own while a checkout on another connection waited for
    /// the queue, and the checkout's status.
    static func healthzDuringAHeldCheckout(threadPerConnection: Bool) throws -> (seconds: Double, checkout: Int) {
        let running = try Running(threadPerConnection: threadPerConnection)
        defer { running.stop() }
        let probe = orchestratorClient(running.url)
        // One request first, so the probe's connection is open (accepted) before the checkout takes the worker.
        #expect(try probe.request("GET", "/healthz").status == 200)
        let status = Mutex<Int?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let buyer = orchestratorClient(running.url)
            let response = try? buyer.request(
                "POST", "/checkout", body: Data(courseBody().utf8), headers: [("Content-Type", "application/json")])
            status.withLock { $0 = response?.status ?? -1 }
            done.signal()
        }
        // The checkout now holds its thread (a pool's only worker) until the queue answers.
        #expect(running.enqueueArrived.wait(timeout: .now() + 10) == .success, "the checkout reached the queue")
        let start = ContinuousClock.now
        #expect(try probe.request("GET", "/healthz").status == 200)
        let elapsed = ContinuousClock.now - start
        #expect(done.wait(timeout: .now() + 10) == .success)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (seconds, status.withLock { $0 } ?? -1)
    }

    @Test func aThreadPerConnectionAnswersAnotherConnectionWhileACheckoutWaits() throws {
        let (seconds, checkout) = try Self.healthzDuringAHeldCheckout(threadPerConnection: true)
        #expect(checkout == 200)
        #expect(seconds < Self.holdSeconds / 2, "healthz took \(seconds) s")
    }

    /// The control: with the pool, the same request waits behind the checkout on the shared worker (so the test
    /// above measures the serving model, not a fast machine).
    @Test func aPoolWorkerMakesAnotherConnectionWaitBehindTheCheckout() throws {
        let (seconds, checkout) = try Self.healthzDuringAHeldCheckout(threadPerConnection: false)
        #expect(checkout == 200)
        #expect(seconds > Self.holdSeconds / 2, "healthz took \(seconds) s")
    }
}
