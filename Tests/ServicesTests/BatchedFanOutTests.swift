import Checkout
import Cluster
import ClusterProtocol
import Foundation
import RPC
import Synchronization
import TestTimeLimits
import Testing
import TraceFormat
import WireJSON

@testable import Services

/// The batched leaf methods (`verifyBatch`, `assessBatch`, `suggestBatch`) and the orchestrator's shared calls: the
/// same answers as one-order calls, refusals before any item runs, batches that really form under concurrency.
@Suite("Batched fan-out", .serialized)
struct BatchedFanOutTests {
    private static let today = CalendarDate(year: 2026, month: 6)

    private static func order(card: String, expiry: String = "12/99", items: [String] = ["Dune"]) -> CheckoutRequest {
        CheckoutRequest(
            user: .init(name: "Ann Lee", contact: "ann@example.com"),
            creditCard: .init(number: card, expirationDate: expiry, cvv: "123"),
            items: items.map { .init(name: $0, quantity: 1) })
    }

    private static let orders = [
        order(card: "4111111111111111"), order(card: "4111111111111112"),
        order(card: "4111111111111111", expiry: "01/20"),
        CheckoutRequest(), order(card: "4111111111111111", items: ["Dune", "Emma", "Hamlet"]),
    ]

    private static func item<Params>(_ params: Params, _ index: Int) -> BatchItem<Params> {
        let trace = TraceContext(traceID: String(repeating: "a", count: 31) + "\(index)", spanID: "b0b0b0b0b0b0b0b1")
        return BatchItem(trace: trace.traceparent, params: params)
    }

    /// A server with verification and suggestions on a free loopback port, and a client of it.
    private func withServer(_ body: (RPCClient) throws -> Void) throws {
        var router = Router()
        VerificationService(today: { Self.today }).register(into: &router)
        SuggestionsService().register(into: &router)
        let server = RPCServer(
            configuration: .init(port: 0, threads: 2), router: router,
            recorder: TraceRecorder(node: "server", writer: nil), logger: quietLogger)
        try server.start()
        defer { server.stop() }
        try body(
            RPCClient(
                peer: "server", baseURL: "http://127.0.0.1:\(server.port)",
                recorder: TraceRecorder(node: "client", writer: nil), logger: quietLogger,
                defaultDeadline: .seconds(5)))
    }

    @Test("a batch's results are the one-order calls' results, in the items' order")
    func batchAnswersAreTheOneOrderAnswers() throws {
        try withServer { client in
            let envelopes = Self.orders.enumerated().map { OrderEnvelope(orderId: "o-\($0.offset)", order: $0.element) }
            let batch = BatchParams(items: envelopes.enumerated().map { Self.item($0.element, $0.offset) })
            let verified = try client.call(VerificationRPC.verifyBatch, batch).results
            #expect(verified == (try envelopes.map { try client.call(VerificationRPC.verify, $0) }))
            #expect(Set(verified.map(\.failures.count)).count > 1, "the orders were meant to fail differently")

            let requests = envelopes.map {
                SuggestionRequest(orderId: $0.orderId, orderedTitles: $0.order.items?.compactMap(\.name) ?? [])
            }
            let suggested = try client.call(
                SuggestionsRPC.suggestBatch,
                BatchParams(items: requests.enumerated().map { Self.item($0.element, $0.offset) })
            ).results
            #expect(suggested == (try requests.map { try client.call(SuggestionsRPC.suggest, $0) }))
        }
    }

    @Test("an empty batch, one of 65 items and one with a malformed trace are refused whole as invalid params")
    func badBatchesAreRefusedWhole() throws {
        try withServer { client in
            let envelope = OrderEnvelope(orderId: "o", order: Self.orders[0])
            var broken = Self.item(envelope, 1)
            broken.trace = "00-not-a-trace"
            let refused: [BatchParams<OrderEnvelope>] = [
                BatchParams(items: []),
                BatchParams(items: (0..<65).map { Self.item(envelope, $0 % 10) }),
                BatchParams(items: [Self.item(envelope, 0), broken]),
            ]
            for batch in refused {
                do {
                    _ = try client.call(VerificationRPC.verifyBatch, batch)
                    Issue.record("a batch of \(batch.items.count) was answered")
                } catch let error as RPCCallError {
                    guard case .remote(let remote) = error.kind else {
                        Issue.record("\(error)")
                        continue
                    }
                    #expect(remote.knownCode == .invalidParams, "\(remote)")
                } catch {
                    Issue.record("\(error)")
                }
            }
        }
    }

    @Test("a full batch of the largest orders that are batched stays within half a server's body limit")
    func fullBatchesFitTheBodyLimit() {
        let client = RPCClient(
            peer: "nowhere", baseURL: "http://127.0.0.1:9", recorder: TraceRecorder(node: "client", writer: nil),
            logger: quietLogger, defaultDeadline: .seconds(1))
        for maxItems in [2, 16, 64, 500] {
            let fanOut = CheckoutFanOut(
                verification: client, fraud: client, suggestions: client, suggestionCount: 3,
                batching: FanOutBatchSettings(maxItems: maxItems, maxInFlight: 1))
            let items = min(maxItems, BatchParams<OrderEnvelope>.maxItems)
            #expect(fanOut.maxBatchedEnvelopeBytes * items <= 512 * 1024, "maxItems \(maxItems)")
            #expect(fanOut.maxBatchedEnvelopeBytes >= 8 * 1024, "maxItems \(maxItems)")
        }
    }

    @Test("the batch messages' byte-level codecs write and read what Foundation does")
    func codecsMatchFoundation() throws {
        let envelopes = Self.orders.enumerated().map { OrderEnvelope(orderId: "o-\($0.offset)", order: $0.element) }
        let batch = BatchParams(items: envelopes.enumerated().map { Self.item($0.element, $0.offset) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Foundation's member order is not stable here, so the two JSON texts are compared as values.
        let wire = Data(try #require(batch.wireJSON))
        #expect(try Self.value(wire) == Self.value(try encoder.encode(batch)))
        #expect(try JSONDecoder().decode(BatchParams<OrderEnvelope>.self, from: wire) == batch)
        #expect(BatchParams<OrderEnvelope>.decode(wire: try encoder.encode(batch).map { $0 }).value == batch)
        let results = BatchResults(results: [VerificationResult(failures: []), VerificationResult(failures: [])])
        #expect(try Self.value(Data(results.wireJSON ?? [])) == Self.value(try encoder.encode(results)))
        #expect(BatchResults<VerificationResult>.decode(wire: results.wireJSON ?? []).value == results)
    }

    @Test(
        "concurrent checkouts share batched calls and get the answers of checkouts made one at a time",
        .runningTimeLimit(.seconds(120)))
    func concurrentCheckoutsShareBatches() throws {
        let traces = temporaryPath("batched-fan-out")
        defer { try? FileManager.default.removeItem(atPath: traces) }
        let cluster = try InProcessCluster(tracesDirectory: traces) { config in
            config.fraudModel = fraudModelPath
            config.fanOutBatch = FanOutBatchSettings(maxItems: 16, maxInFlight: 1)
        }
        defer { cluster.stop() }
        let bodies = [courseBody(), courseBody(expiry: "01/20"), courseBody(comment: "x")]
        let client = orchestratorClient(cluster.orchestratorURL)
        let alone = try bodies.map { try Self.answer(client.request("POST", "/checkout", body: Data($0.utf8))) }
        let metrics = orchestratorClient("http://\(cluster.config.verification.address)")
        let queueMetrics = orchestratorClient("http://\(cluster.config.queue.address)")
        var (batched, enqueuedTogether) = (0, 0)
        for _ in 0..<20 where batched == 0 || enqueuedTogether == 0 {
            let answers = Self.concurrentCheckouts(bodies, url: cluster.orchestratorURL, rounds: 4)
            for (index, answer) in answers.enumerated() {
                #expect(answer == alone[index % bodies.count], "checkout \(index)")
            }
            batched = try Self.okCalls(of: "verifyBatch", metrics)
            enqueuedTogether = try Self.okCalls(of: "enqueueBatch", queueMetrics)
        }
        #expect(batched > 0, "no verifyBatch call was made in 20 rounds of concurrent checkouts")
        #expect(enqueuedTogether > 0, "no enqueueBatch call was made in 20 rounds of concurrent checkouts")
        // Every approved order is stored once, whether its enqueue went alone or in a batch.
        let queue = RPCClient(
            peer: "queue", baseURL: "http://\(cluster.config.queue.address)",
            recorder: TraceRecorder(node: "orchestrator", writer: nil), logger: quietLogger,
            defaultDeadline: .seconds(5), credential: ServiceHost.processCredential)
        let state = try queue.call(QueueRPC.inspect, NoPayload())
        let stored = state.waiting.map(\.orderId) + state.leases.map(\.orderId) + state.commits.map(\.orderId)
        #expect(Set(stored).count == stored.count, "an order was stored twice")
        cluster.stop()
        try Self.expectOneTreePerBatchedEnqueue(try readRun(traces))
    }

    /// Each order stored by an `enqueueBatch` has, in its own trace, an `enqueue` span under its checkout's span
    /// (`span.start`/`span.end` in the orchestrator) and its `queue.enqueue` in a queue span under that one.
    private static func expectOneTreePerBatchedEnqueue(_ events: [String: [TraceEvent]]) throws {
        let orchestrator = events["orchestrator", default: []]
        let decisions = orchestrator.filter { $0.payload(OrderDecision.self)?.enqueueTrace != nil }
        #expect(!decisions.isEmpty, "no order.decision names an enqueue batch")
        let enqueues = events["queue", default: []].filter { $0.kind == QueueEnqueue.kind }
        for decision in decisions {
            let trace = decision.traceID
            let starts = orchestrator.filter {
                $0.traceID == trace && $0.payload(SpanStart.self)?.name == "enqueue"
                    && $0.parentSpanID == decision.spanID
            }
            let ends = orchestrator.filter { $0.traceID == trace && $0.payload(SpanEnd.self)?.name == "enqueue" }
            #expect(starts.count == 1 && ends.count == 1, "order \(decision.traceID ?? "?"): one enqueue span")
            let stored = enqueues.filter { $0.traceID == trace }
            #expect(
                stored.count == 1 && stored.first?.parentSpanID == starts.first?.spanID,
                "order \(decision.traceID ?? "?"): its queue.enqueue is under its enqueue span")
        }
    }

    /// Whether the service behind `client` answered `method` successfully (its `/metrics` has the ok series).
    private static func okCalls(of method: String, _ client: RPCClient) throws -> Int {
        let text = String(decoding: try client.request("GET", "/metrics").body, as: UTF8.self)
        return text.split(separator: "\n").filter {
            $0.hasPrefix("bookstore_rpc_server_requests_total{method=\"\(method)\",outcome=\"ok\"")
        }.count
    }

    /// JSON as a comparable value (objects with sorted keys).
    private static func value(_ json: Data) throws -> String {
        let object = try JSONSerialization.jsonObject(with: json)
        return String(
            decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The reply's status, decision and reasons (ids and clocks differ between checkouts).
    private static func answer(_ response: HTTPResponse) -> String {
        let object = jsonObject(response.body) ?? [:]
        let reasons = (object["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
        return "\(response.status) \(object["status"] ?? "-") \(reasons) \(object["suggestedBooks"] != nil)"
    }

    /// Every body sent `rounds` times, each from a thread of its own, all at once; answers in the bodies' order, round after round.
    private static func concurrentCheckouts(_ bodies: [String], url: String, rounds: Int) -> [String] {
        let count = bodies.count * rounds
        let answers = Mutex<[Int: String]>([:])
        let group = DispatchGroup()
        // Threads of their own (not `concurrentPerform`, which runs only as many at once as there are cores).
        for index in 0..<count {
            group.enter()
            Thread {
                let client = orchestratorClient(url)
                let reply = try? client.request("POST", "/checkout", body: Data(bodies[index % bodies.count].utf8))
                answers.withLock { $0[index] = reply.map(answer) ?? "no reply" }
                group.leave()
            }.start()
        }
        group.wait()
        return (0..<count).map { answers.withLock { $0 }[$0] ?? "missing" }
    }
}
