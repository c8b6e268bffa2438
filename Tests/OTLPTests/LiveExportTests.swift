import Cluster
import Foundation
import OTLP
import RPC
import Services
import Testing
import TraceExport
import TraceFormat
import TestTimeLimits

/// The live export against a real receiver on loopback that decodes every request with the official
/// OpenTelemetry protos (scripts/otlp-receiver.py): a whole cluster of processes exports exactly the spans its
/// trace files hold, with the OpenTelemetry conventions. `BOOKSTORE_OTLP_ORDERS` sets the number of checkouts (12).
@Suite("LiveExportTests", .serialized)
struct LiveExportTests {
    static let orders = Int(ProcessInfo.processInfo.environment["BOOKSTORE_OTLP_ORDERS"] ?? "") ?? 12

    @Test(.runningTimeLimit(.seconds(180)))
    func everyServiceExportsLiveExactlyTheSpansOfItsTraceFiles() throws {
        let root = temporaryPath("otlp-live")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let receiver = try OTLPReceiver(summaryPath: root + "/received.jsonl")
        defer { receiver.stop() }
        let cluster = try LocalCluster.launch(
            executable: try locateExecutable("bookstore"), root: root, runID: "live", logger: quietLogger
        ) {
            $0.fraudModel = packageRoot.appendingPathComponent("models/fraud-model.json").path
            $0.otlpEndpoint = "http://127.0.0.1:\(receiver.port)"
        }
        defer { cluster.supervisor.stop() }
        let outsider = RPCClient(
            peer: "orchestrator", baseURL: cluster.config.orchestrator.url,
            recorder: TraceRecorder(node: "test", writer: nil), logger: quietLogger, defaultDeadline: .seconds(10),
            propagatesContext: false)
        for _ in 0..<Self.orders {
            let reply = try outsider.request("POST", "/checkout", body: Data(Self.checkoutBody.utf8))
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        }
        let drained = QueueDrain.wait(config: cluster.config, timeout: .seconds(20))
        #expect(drained?.waiting.isEmpty == true && drained?.leases.isEmpty == true, "the queue did not drain")
        Thread.sleep(forTimeInterval: 1.5)  // three export intervals
        let metrics = String(decoding: try outsider.request("GET", "/metrics").body, as: UTF8.self)
        let lines = metrics.split(separator: "\n")
        #expect(
            lines.contains {
                $0.hasPrefix("bookstore_otlp_spans_dropped_total{") && $0.contains(#"reason="inbox_full""#)
                    && $0.hasSuffix(" 0")
            }, "\(metrics.prefix(400))")
        #expect(
            lines.contains {
                $0.hasPrefix("bookstore_otlp_spans_exported_total") && !$0.hasPrefix("bookstore_otlp_spans_exported_total_")
                    && !$0.hasSuffix(" 0")
            })
        cluster.supervisor.stop()  // a clean stop: every exporter sends what is left

        let requests = try receiver.requests()
        #expect(!requests.isEmpty)
        #expect(requests.compactMap(\.error) == [], "requests the official protos refused")
        #expect(requests.flatMap { $0.problems ?? [] } == [])
        let live = requests.flatMap { $0.spans ?? [] }

        // The same run from its trace files, everything kept (idle polls too), decoded with the same protos.
        let exported = root + "/run.otlp.jsonl"
        _ = try TraceExporter.export(
            runDirectory: cluster.run.path, format: .otlp, output: exported,
            otlp: OTLPExporter(keepIdlePolls: true, keepScrapes: true))
        let fromFiles = try checkWithOfficialProtos(exported)
        #expect(fromFiles.problems == [])
        print(
            "live export: \(requests.count) requests, \(live.count) spans; trace files: \(fromFiles.spans.count) spans")
        #expect(live.count == fromFiles.spans.count, "live \(live.count) spans, trace files \(fromFiles.spans.count)")
        let liveIDs = Set(live.map { "\($0.trace)/\($0.span)/\($0.instance ?? "")" })
        let fileIDs = Set(fromFiles.spans.map { "\($0.trace)/\($0.span)/\($0.instance ?? "")" })
        #expect(liveIDs.count == live.count, "a span was sent twice")
        #expect(
            liveIDs == fileIDs,
            """
            only live: \(liveIDs.subtracting(fileIDs).prefix(5)); \
            only in files: \(fileIDs.subtracting(liveIDs).prefix(5))
            """
        )

        Self.expectConventions(live)
        Self.expectOneRootPerOrder(live)
        try Self.expectFileExportShape(
            run: cluster.run.path, config: cluster.configPath, root: root, receiver: receiver)
    }

    /// `trace-analyzer export --format otlp --otlp-endpoint`: one root per order, the consumer span a child of the
    /// producer and linked to it and to its lease, no idle polls; every posted trace decodes with the official
    /// protos, and the posted spans are the file's.
    static func expectFileExportShape(
        run: String, config: String, root: String, receiver: OTLPReceiver,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try receiver.requests().count
        let file = root + "/default.otlp.jsonl"
        let result = try runAnalyzer([
            "export", run, "--format", "otlp", "-o", file, "--otlp-endpoint", "http://127.0.0.1:\(receiver.port)",
            "--config", config,
        ])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("; 0 failed"), "\(result.errors)")
        let exported = try checkWithOfficialProtos(file)
        #expect(exported.problems == [])
        let posted = try receiver.requests().dropFirst(before)
        #expect(posted.count == exported.lines)
        #expect(posted.compactMap(\.error) == [])
        #expect(posted.flatMap { $0.spans ?? [] }.count == exported.spans.count)

        // With the run's config, the file export names the same addresses as the live one.
        for span in exported.spans where ["enqueue", "ack", "verify", "assess", "suggest"].contains(span.name) {
            #expect(span.attributes["server.address"]?.text == "127.0.0.1", "\(span.name)")
            #expect(span.attributes["server.port"] != nil, "\(span.name)")
        }
        let traces = Dictionary(grouping: exported.spans, by: \.trace)
        let orders = traces.values.filter { spans in spans.contains { $0.name == "POST /checkout" } }
        #expect(orders.count == LiveExportTests.orders)
        for spans in orders {
            let ids = Set(spans.map(\.span))
            let roots = spans.filter { $0.parent.map { !ids.contains($0) } ?? true }
            #expect(roots.map(\.name) == ["POST /checkout"], "roots of \(spans[0].trace): \(roots.map(\.name))")
            let producer = spans.first { $0.kind == 4 }
            let consumer = spans.first { $0.kind == 5 }
            #expect(producer != nil && consumer?.parent == producer?.span)
            #expect(consumer?.links.contains { $0["span"] == producer?.span } == true)
            #expect(consumer?.links.contains { $0["span"] != producer?.span } == true, "no link to the lease")
            #expect(consumer?.status == 1, "the commit is not in it: the consumer span did not end committed")
        }
        Self.expectAcksUnderConsumers(exported.spans)
        let polls = traces.values.filter { spans in spans.allSatisfy { $0.name == "lease" } }
        #expect(polls.allSatisfy { spans in spans.count == 2 }, "a poll trace with more than one call")
        #expect(polls.count <= LiveExportTests.orders, "idle polls exported: \(polls.count)")
    }

    /// The live export alone: each order's trace has one root, the checkout request; the executor's consumer
    /// span is a child of the orchestrator's enqueue (producer) span, which the ticket carried through the queue,
    /// and links to it and to the queue's span of the call that handed the order out; the ack call is the
    /// consumer span's child.
    static func expectOneRootPerOrder(_ live: [ReceivedSpan], sourceLocation: SourceLocation = #_sourceLocation) {
        let traces = Dictionary(grouping: live, by: \.trace)
        let orders = traces.values.filter { spans in spans.contains { $0.name == "POST /checkout" } }
        // A lease is handed out by a `lease` call or by an `ack` that carried the slot's next (batch) lease request.
        let leaseSpans = live.filter { ["lease", "ack"].contains($0.name) && $0.kind == 2 && $0.service == "queue" }
        #expect(orders.count == LiveExportTests.orders)
        for spans in orders {
            let ids = Set(spans.map(\.span))
            let roots = spans.filter { $0.parent.map { !ids.contains($0) } ?? true }
            #expect(roots.map(\.name) == ["POST /checkout"], "live roots of \(spans[0].trace): \(roots.map(\.name))")
            let producers = spans.filter { $0.kind == 4 }
            let consumers = spans.filter { $0.kind == 5 }
            #expect(producers.count == 1 && consumers.count == 1, "\(producers.count) producers, \(consumers.count)")
            guard let producer = producers.first, let consumer = consumers.first else { continue }
            #expect(producer.service == "orchestrator" && consumer.service == "executor")
            #expect(consumer.parent == producer.span, "the consumer span's parent is not the enqueue span")
            #expect(consumer.links.contains { $0["span"] == producer.span && $0["trace"] == producer.trace })
            // The other link: the queue's span of the call that handed the order out (a `lease` poll, or an `ack`).
            let leaseLinks = consumer.links.filter { $0["span"] != producer.span }
            #expect(leaseLinks.count == 1, "links \(consumer.links)")
            #expect(
                leaseLinks.allSatisfy { link in
                    leaseSpans.contains { $0.trace == link["trace"] && $0.span == link["span"] }
                }, "the lease link names no queue lease span")
            #expect(consumer.status == 1, "the commit is not in it: the consumer span did not end committed")
        }
        expectAcksUnderConsumers(live)
    }

    /// Every executor `ack` call is the child of a consumer span: a batch ack settles several orders of one slot in
    /// one call, in the trace of its first order (docs/trace-format.md), so not every order's trace holds one.
    static func expectAcksUnderConsumers(_ spans: [ReceivedSpan], sourceLocation: SourceLocation = #_sourceLocation) {
        let consumers = Set(spans.filter { $0.kind == 5 }.map(\.span))
        let acks = spans.filter { $0.name == "ack" && $0.service == "executor" }
        #expect(!acks.isEmpty, "no ack call exported")
        #expect(acks.allSatisfy { $0.parent.map(consumers.contains) ?? false }, "an ack call outside a consumer span")
    }

    /// service.name per service, instance per node, RPC and messaging attributes, clocks, no scrapes.
    static func expectConventions(_ spans: [ReceivedSpan], sourceLocation: SourceLocation = #_sourceLocation) {
        let services = Set(spans.compactMap(\.service))
        #expect(
            services == ["orchestrator", "verification", "fraud", "suggestions", "queue", "executor"], "\(services)")
        let executors = Set(spans.filter { $0.service == "executor" }.compactMap(\.instance))
        #expect(!executors.isEmpty && executors.isSubset(of: ["executor-1", "executor-2", "executor-3"]))
        #expect(spans.allSatisfy { $0.attributes["bookstore.vector_clock"]?.text?.hasPrefix("{") == true })
        #expect(!spans.contains { $0.name == "GET /metrics" }, "a scrape was traced")
        for span in spans where ["enqueue", "lease", "ack", "verify", "assess", "suggest"].contains(span.name) {
            #expect(span.attributes["rpc.system"]?.text == "jsonrpc", "\(span.name)")
            #expect(span.attributes["rpc.method"]?.text == span.name)
            #expect(span.attributes["server.address"]?.text == "127.0.0.1", "\(span.name) \(span.attributes)")
            #expect(span.attributes["server.port"] != nil)
            // A call still in flight at the stop (a lease poll, under load) goes as an incomplete span: no answer,
            // so no status; a failed call names its error instead.
            let unanswered = span.attributes["bookstore.incomplete"] == .flag(true) || span.attributes["error.type"] != nil
            #expect(
                span.attributes["http.response.status_code"] != nil || unanswered,
                "\(span.name) \(span.kind) \(span.attributes)")
        }
        let checkouts = spans.filter { $0.name == "POST /checkout" }
        #expect(checkouts.count == orders)
        #expect(checkouts.allSatisfy { $0.attributes["http.request.method"]?.text == "POST" && $0.kind == 2 })
        #expect(spans.filter { $0.kind == 4 }.count == orders, "one producer (enqueue) span per order")
        #expect(spans.filter { $0.kind == 5 }.count == orders, "one consumer span per order")
    }

    static let expiryYear = (Calendar.current.component(.year, from: Date()) + 2) % 100
    static let checkoutBody = """
        {"user":{"name":"John Doe","contact":"john.doe@example.com"},
         "creditCard":{"number":"4111111111111111","expirationDate":"12/\(expiryYear)","cvv":"123"},
         "items":[{"name":"Book A","quantity":1}],
         "billingAddress":{"street":"123 Main St","city":"Springfield","state":"IL","zip":"62701","country":"USA"},
         "shippingMethod":"Standard","giftWrapping":false,"termsAccepted":true}
        """
}
