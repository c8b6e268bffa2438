import Checkout
import Cluster
import ClusterProtocol
import Foundation
import Logging
import RPC
import Synchronization
import Testing
import TraceFormat

@testable import Services

/// The orchestrator against a stand-in queue on loopback (the real verification, fraud and suggestions services
/// run in this process): a full queue, a queue that stores an order but answers too late, and a clean stop.
@Suite("Checkout refusals", .serialized)
final class CheckoutRefusalTests {
    /// What the stand-in queue does with each `enqueue`.
    enum Behaviour: Sendable {
        case overloaded
        /// Stores the order, but answers the first call after the orchestrator's deadline.
        case slowFirstAnswer
    }

    let services: InProcessCluster
    let queueServer: RPCServer
    let orchestratorHost: ServiceHost
    let orchestrator: RPCServer
    let client: RPCClient
    /// Order ids the stand-in queue received, in order.
    let received = Received()

    /// The order ids a stand-in queue received, in order.
    final class Received: Sendable {
        private let ids = Mutex<[String]>([])
        func withLock<T: Sendable>(_ body: (inout [String]) -> T) -> T { ids.withLock { body(&$0) } }
    }

    init(behaviour: Behaviour) throws {
        services = try InProcessCluster(
            tracesDirectory: nil, roles: [.verification, .fraud, .suggestions]
        ) { $0.fraudModel = fraudModelPath }
        var router = Router()
        let received = self.received
        router.register(QueueRPC.enqueue) { ticket, _ in
            let calls = received.withLock { ids in
                ids.append(ticket.orderId)
                return ids.count
            }
            switch behaviour {
            case .overloaded:
                throw RPCError(.overloaded, "10000 orders wait (maxWaiting)")
            case .slowFirstAnswer:
                if calls == 1 { Thread.sleep(forTimeInterval: 0.6) }
                return calls == 1 ? .stored(position: 0, depth: 1) : .duplicate(depth: 1)
            }
        }
        let queueHost = ServiceHost(
            node: "queue", recorder: TraceRecorder(node: "queue", writer: nil), logger: quietLogger,
            metricsEnabled: false)
        queueServer = try queueHost.startServer(
            router: router, address: ListenAddress(host: "127.0.0.1", port: 0), threads: 2)
        var config = services.config
        config.queue.address = "127.0.0.1:\(queueServer.port)"
        config.deadlines.queueMs = 200
        orchestratorHost = ServiceHost(
            node: "orchestrator", recorder: TraceRecorder(node: "orchestrator", writer: nil), logger: quietLogger,
            metricsEnabled: false)
        orchestrator = try ServiceFactory.start(
            .orchestrator, config: config, host: orchestratorHost, address: ListenAddress(host: "127.0.0.1", port: 0))
        client = orchestratorClient("http://127.0.0.1:\(orchestrator.port)")
    }

    convenience init() throws { try self.init(behaviour: .overloaded) }

    deinit {
        orchestrator.stop()
        queueServer.stop()
        services.stop()
    }

    func post(_ body: String, key: String? = nil) throws -> HTTPResponse {
        try client.request(
            "POST", "/checkout", body: Data(body.utf8), headers: key.map { [("Idempotency-Key", $0)] } ?? [])
    }

    @Test func aFullQueueGets503OverloadedWithRetryAfterAndNoApproval() throws {
        let response = try post(courseBody())
        #expect(response.status == 503)
        #expect(header(response, "Retry-After") == "1")
        let error = try JSONDecoder().decode(CheckoutError.self, from: response.body)
        #expect(error.error.code == "overloaded")
        #expect(error.error.message.contains("order queue is full"), "\(error.error.message)")
        #expect(error.error.orderId.map(OrderID.isValid) == true)
        #expect(received.withLock { $0 } == [error.error.orderId!], "the queue was asked once")
    }

    @Test func whileStoppingCheckoutIsRefusedWith503AndRetryAfter() throws {
        orchestratorHost.beginDraining()
        let response = try post(courseBody())
        #expect(response.status == 503)
        #expect(header(response, "Retry-After") == "1")
        let error = try JSONDecoder().decode(CheckoutError.self, from: response.body)
        #expect(error.error.code == "unavailable")
        #expect(error.error.message.contains("stopping"))
        #expect(received.withLock { $0 }.isEmpty, "nothing reached the queue")
    }

    @Test func anOrderStoredButAnswered503IsSettledByTheRetryWithItsKey() throws {
        let slow = try CheckoutRefusalTests(behaviour: .slowFirstAnswer)
        let first = try slow.post(courseBody(), key: "late-queue")
        #expect(first.status == 503, "the queue's answer came after the deadline")
        let error = try JSONDecoder().decode(CheckoutError.self, from: first.body)
        #expect(error.error.code == "unavailable")
        #expect(error.error.message.contains("order queue did not answer in time"), "\(error.error.message)")
        let retried = try slow.post(courseBody(), key: "late-queue")
        #expect(retried.status == 200)
        let reply = try JSONDecoder().decode(CheckoutReply.self, from: retried.body)
        #expect(reply.status == "Order Approved")
        #expect(reply.orderId == error.error.orderId, "the same order")
        #expect(slow.received.withLock { $0 } == [reply.orderId, reply.orderId], "enqueued again under its id")
        // Now final: a third request replays the approval without asking the queue.
        let third = try slow.post(courseBody(), key: "late-queue")
        #expect(third.body == retried.body)
        #expect(slow.received.withLock { $0 }.count == 2)
    }

    @Test func theLoadGeneratorRetriesA503WithTheSameKeyAndReportsTheOrderApprovedOnce() throws {
        let slow = try CheckoutRefusalTests(behaviour: .slowFirstAnswer)
        let report = LoadGenerator(
            baseURL: "http://127.0.0.1:\(slow.orchestrator.port)", orders: 1, concurrency: 1,
            mix: OrderMix(weights: [.valid: 1]), year: CalendarDate.utcNow().year
        ).run(recorder: TraceRecorder(node: "load", writer: nil))
        #expect(report.outcomes == ["approved": 1], "\(report.outcomes)")
        #expect(report.retries == 1 && report.retriedOrders == 1 && report.gaveUp == 0)
        let ids = slow.received.withLock { $0 }
        #expect(ids.count == 2 && Set(ids).count == 1, "one order, enqueued twice under its id: \(ids)")
        #expect(report.approvedOrderIDs == [ids[0]])
    }
}
