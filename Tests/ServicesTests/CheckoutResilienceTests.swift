import Checkout
import Cluster
import ClusterProtocol
import Foundation
import RPC
import Services
import Testing
import TraceFormat
import TestTimeLimits

/// Checkout with a service down, on real processes: without the queue nothing is approved (503 naming it, to
/// retry with the same key); without suggestions orders are still decided.
@Suite("Checkout resilience", .serialized)
struct CheckoutResilienceTests {
    @Test(.runningTimeLimit(.seconds(120)))
    func withTheQueueDownCheckoutAnswers503AndTheRetryWithItsKeySettlesTheOrder() throws {
        let cluster = try CheckoutCluster.launch("queue-down")
        defer { cluster.close() }
        cluster.stopService("queue")

        let key = [("Idempotency-Key", "retry-me-1")]
        let refused = try cluster.post(courseBody(comment: "while the queue is down"), headers: key)
        #expect(refused.status == 503)
        #expect(header(refused, "Retry-After") == "1")
        let error = try JSONDecoder().decode(CheckoutError.self, from: refused.body)
        #expect(error.error.code == "unavailable")
        #expect(error.error.message.contains("order queue"), "\(error.error.message)")
        let orderID = try #require(error.error.orderId)
        #expect(OrderID.isValid(orderID))
        #expect(!String(decoding: refused.body, as: UTF8.self).contains("Order Approved"))

        try cluster.restartService("queue")
        // A client retries a 503 with the same key (a few times: the first call may meet a stale connection).
        var settled: HTTPResponse?
        for _ in 0..<5 {
            let response = try cluster.post(courseBody(comment: "while the queue is down"), headers: key)
            if response.status != 503 {
                settled = response
                break
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let retried = try #require(settled, "checkout did not come back after the queue")
        #expect(retried.status == 200)
        let reply = try JSONDecoder().decode(CheckoutReply.self, from: retried.body)
        #expect(reply.status == "Order Approved")
        #expect(reply.orderId == orderID, "the retry settles the same order")

        let fresh = try cluster.post(courseBody(comment: "after the queue is back"))
        #expect(try JSONDecoder().decode(CheckoutReply.self, from: fresh.body).status == "Order Approved")
        let snapshot = try #require(QueueDrain.wait(config: cluster.config, timeout: .seconds(15)))
        let stored = snapshot.commits.map(\.orderId) + snapshot.waiting.map(\.orderId) + snapshot.leases.map(\.orderId)
        #expect(stored.filter { $0 == orderID }.count == 1, "\(stored)")
    }

    @Test(.runningTimeLimit(.seconds(120)))
    func withSuggestionsDownOrdersAreStillDecidedWithNoSuggestedBooks() throws {
        let cluster = try CheckoutCluster.launch("suggestions-down")
        defer { cluster.close() }
        cluster.stopService("suggestions")

        let response = try cluster.post(courseBody(comment: "no suggestions today"))
        #expect(response.status == 200)
        let reply = try JSONDecoder().decode(CheckoutReply.self, from: response.body)
        #expect(reply.status == "Order Approved")
        #expect(reply.suggestedBooks.isEmpty)
        let rejected = try cluster.post(courseBody(expiry: "12/20"))
        #expect(try JSONDecoder().decode(CheckoutReply.self, from: rejected.body).status == "Order Rejected")
        cluster.stop()

        let events = try readRun(cluster.runPath)
        let skipped = events["orchestrator", default: []].filter { $0.kind == .suggestionsSkipped }
        #expect(skipped.count == 1, "one approved order went on without suggestions")
        let skip = skipped.first?.payload(SuggestionsSkipped.self)
        #expect(skip?.order == reply.orderId)
        #expect(skip?.reason?.contains("suggestions") == true)
        let log = try String(
            contentsOfFile: (cluster.runPath as NSString).appendingPathComponent("orchestrator.log"), encoding: .utf8)
        #expect(log.contains("without suggestions") && log.contains(reply.orderId), "the log says why")
    }
}
