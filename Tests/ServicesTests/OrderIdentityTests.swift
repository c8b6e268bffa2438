import Checkout
import Cluster
import ClusterProtocol
import Foundation
import RPC
import Services
import Testing
import TraceFormat
import TestTimeLimits

/// Order identity on real processes: the orchestrator names orders (a client's `traceparent` never does), and
/// an `Idempotency-Key` makes a repeated request return the first answer without a second order.
@Suite("Order identity", .serialized)
struct OrderIdentityTests {
    @Test(.runningTimeLimit(.seconds(120)))
    func threeCheckoutsSharingATraceparentBecomeThreeOrders() throws {
        let cluster = try CheckoutCluster.launch("identity-traceparent")
        defer { cluster.close() }
        let clientTrace = "0af7651916cd43dd8448eb211c80319c"
        var replies: [CheckoutReply] = []
        for index in 0..<3 {
            let response = try cluster.post(
                courseBody(comment: "gift number \(index)"),
                headers: [("traceparent", "00-\(clientTrace)-b7ad6b7169203331-01")])
            #expect(response.status == 200)
            replies.append(try JSONDecoder().decode(CheckoutReply.self, from: response.body))
        }
        #expect(replies.allSatisfy { $0.status == "Order Approved" }, "\(replies.map(\.status))")
        let ids = replies.map(\.orderId)
        #expect(Set(ids).count == 3, "three orders, three ids: \(ids)")
        #expect(ids.allSatisfy { OrderID.isValid($0) && $0 != clientTrace }, "\(ids)")

        let snapshot = try #require(QueueDrain.wait(config: cluster.config, timeout: .seconds(15)))
        let stored = snapshot.commits.map(\.orderId) + snapshot.waiting.map(\.orderId) + snapshot.leases.map(\.orderId)
        #expect(Set(stored) == Set(ids), "every one stored by the queue: \(stored)")
        cluster.stop()

        let events = try readRun(cluster.runPath)
        let decisions = events["orchestrator", default: []].filter { $0.kind == .orderDecision }
        #expect(Set(decisions.compactMap { $0.payload(OrderDecision.self)?.order }) == Set(ids))
        for reply in replies {
            let decision = decisions.first { $0.payload(OrderDecision.self)?.order == reply.orderId }
            #expect(decision?.traceID == reply.traceId, "the decision carries the order id and the trace id")
        }
        let enqueues = events["queue", default: []].filter {
            $0.payload(QueueEnqueue.self)?.duplicate == false
        }
        #expect(enqueues.compactMap { $0.payload(QueueEnqueue.self)?.order }.sorted() == ids.sorted())
    }

    @Test(.runningTimeLimit(.seconds(120)))
    func aRepeatedKeyGetsTheFirstReplyWithoutASecondOrderAndAnotherBodyGets409() throws {
        let cluster = try CheckoutCluster.launch("identity-key")
        defer { cluster.close() }
        let key = [("Idempotency-Key", "test-order-7f3a")]
        let first = try cluster.post(courseBody(comment: "first"), headers: key)
        let again = try cluster.post(courseBody(comment: "first"), headers: key)
        #expect(first.status == 200 && again.status == 200)
        #expect(again.body == first.body, "the same reply, byte for byte")
        let reply = try JSONDecoder().decode(CheckoutReply.self, from: first.body)
        #expect(reply.status == "Order Approved")

        let other = try cluster.post(courseBody(comment: "another body"), headers: key)
        #expect(other.status == 409)
        let refusal = try JSONDecoder().decode(CheckoutError.self, from: other.body)
        #expect(refusal.error.code == "conflict")
        #expect(refusal.error.orderId == reply.orderId, "the refusal names the key's order")

        let snapshot = try #require(QueueDrain.wait(config: cluster.config, timeout: .seconds(15)))
        let stored = snapshot.commits.map(\.orderId) + snapshot.waiting.map(\.orderId) + snapshot.leases.map(\.orderId)
        #expect(stored == [reply.orderId], "one order in the queue: \(stored)")
        cluster.stop()

        let events = try readRun(cluster.runPath)
        let decisions = events["orchestrator", default: []].filter { $0.kind == .orderDecision }
        #expect(decisions.count == 1, "one decision for two requests")
        let enqueues = events["queue", default: []].filter { $0.kind == .queueEnqueue }
        #expect(enqueues.count == 1)
    }
}
