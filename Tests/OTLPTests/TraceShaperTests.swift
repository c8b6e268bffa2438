import Causality
import OTLP
import Testing
import TraceFormat

/// The file export's shaping: the order's consumer span joins its producer, idle polls and scrapes go.
@Suite struct TraceShaperTests {
    static let order = "4bf92f3577b34da6a3ce929d0e0e4736"

    static func event(
        _ kind: EventKind, node: String, span: String, parent: String? = nil, trace: String = order,
        data: [String: TraceValue] = [:], at time: Int64
    ) -> TraceEvent {
        TraceEvent(
            wallTimeNanos: time, node: node, pid: 1, sequence: UInt64(time), kind: kind, traceID: trace,
            spanID: span, parentSpanID: parent, clock: VectorClock([node: UInt64(time)]), data: data)
    }

    static func call(_ method: String, node: String, span: String, parent: String?, at time: Int64) -> [TraceEvent] {
        [
            event(.rpcSend, node: node, span: span, parent: parent, data: ["method": .string(method)], at: time),
            event(
                .rpcReplyReceive, node: node, span: span, parent: parent,
                data: ["method": .string(method), "status": .string("ok"), "http_status": .int(200)], at: time + 1),
        ]
    }

    @Test func theConsumerSpanBecomesAChildOfTheProducerAndLinksToItAndItsLease() {
        let lease = Self.event(
            .queueLease, node: "queue", span: "9999999999999999", trace: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            data: ["order": .string(Self.order), "lease": .int(7)], at: 20)
        let events =
            [
                Self.event(
                    .rpcReceive, node: "orchestrator", span: "1111111111111111",
                    data: ["method": .string("POST /checkout")], at: 1)
            ]
            + Self.call("enqueue", node: "orchestrator", span: "2222222222222222", parent: "1111111111111111", at: 5)
            + [
                Self.event(
                    .executorDequeue, node: "executor-2", span: "3333333333333333",
                    data: ["order": .string(Self.order), "lease": .int(7)], at: 30),
                Self.event(
                    .executorCommit, node: "executor-2", span: "3333333333333333",
                    data: ["order": .string(Self.order), "lease": .int(7), "outcome": .string("committed")], at: 40),
            ]
        var spans = SpanAssembler.assemble(traceID: Self.order, events: events)
        let (key, link) = try! #require(TraceShaper.lease(of: lease))
        TraceShaper.joinQueueSpans(&spans, leases: [key: link])
        let consumer = spans.first { $0.kind == .consumer }
        #expect(consumer?.parentSpanID == "2222222222222222")
        #expect(consumer?.links.map(\.spanID) == ["2222222222222222", "9999999999999999"])
        #expect(spans.first { $0.spanID == "2222222222222222" }?.kind == .producer)
        let ids = Set(spans.map(\.spanID))
        #expect(spans.filter { $0.parentSpanID.map { !ids.contains($0) } ?? true }.count == 1, "one root")
    }

    /// Live and in files: the consumer span's recorded parent (the enqueue call the ticket named) is its parent
    /// and its producer link, even when a retried enqueue left an earlier producer span in the trace.
    @Test func aRecordedParentMakesTheConsumerAChildOfThatEnqueueLiveAndInFiles() {
        let consumer = [
            Self.event(
                .executorDequeue, node: "executor-2", span: "3333333333333333", parent: "2222222222222222",
                data: ["order": .string(Self.order), "lease": .int(7)], at: 30),
            Self.event(
                .executorCommit, node: "executor-2", span: "3333333333333333", parent: "2222222222222222",
                data: ["order": .string(Self.order), "lease": .int(7), "outcome": .string("committed")], at: 40),
        ]
        var live = LiveSpanAssembler()
        let completed = consumer.flatMap { live.on($0) }
        #expect(completed.count == 1 && completed.first?.kind == .consumer)
        #expect(completed.first?.parentSpanID == "2222222222222222")
        #expect(
            completed.first?.links == [.init(traceID: Self.order, spanID: "2222222222222222", relation: "producer")])

        let events =
            Self.call("enqueue", node: "orchestrator", span: "1212121212121212", parent: "1111111111111111", at: 2)
            + Self.call("enqueue", node: "orchestrator", span: "2222222222222222", parent: "1111111111111111", at: 5)
            + consumer
        var spans = SpanAssembler.assemble(traceID: Self.order, events: events)
        TraceShaper.joinQueueSpans(&spans, leases: [:])
        let shaped = spans.first { $0.kind == .consumer }
        #expect(shaped?.parentSpanID == "2222222222222222")
        #expect(shaped?.links.map(\.spanID) == ["2222222222222222"], "one producer link, to the named enqueue")
    }

    /// The executor learns the queue's lease span from the lease reply and names it in `executor.dequeue`: the
    /// consumer span links to it live, and the file export does not add the same link again.
    @Test func aDequeueNamingItsLeaseSpanLinksToItOnceLiveAndInFiles() throws {
        let lease = Self.event(
            .queueLease, node: "queue", span: "9999999999999999", trace: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            data: ["order": .string(Self.order), "lease": .int(7)], at: 20)
        let named: [String: TraceValue] = [
            "order": .string(Self.order), "lease": .int(7), "lease_trace": .string("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            "lease_span": .string("9999999999999999"),
        ]
        let consumer = [
            Self.event(.executorDequeue, node: "executor-2", span: "3333333333333333", data: named, at: 30),
            Self.event(
                .executorCommit, node: "executor-2", span: "3333333333333333",
                data: ["order": .string(Self.order), "lease": .int(7), "outcome": .string("committed")], at: 40),
        ]
        var live = LiveSpanAssembler()
        let completed = consumer.flatMap { live.on($0) }
        #expect(
            completed.first?.links == [
                .init(traceID: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", spanID: "9999999999999999", relation: "lease")
            ])
        var spans = SpanAssembler.assemble(traceID: Self.order, events: consumer)
        let (key, link) = try #require(TraceShaper.lease(of: lease))
        TraceShaper.joinQueueSpans(&spans, leases: [key: link])
        #expect(spans.first?.links.filter { $0.relation == "lease" }.count == 1)
        // A malformed name from the wire is no link.
        var bad = named
        bad["lease_span"] = .string("99999999999999ZZ")
        let badSpan = SpanAssembler.span(
            traceID: Self.order,
            events: [Self.event(.executorDequeue, node: "executor-2", span: "3333333333333333", data: bad, at: 30)])
        #expect(badSpan.links.isEmpty)
    }

    /// A live batch holds one process's spans: the parent of a server span (the caller's call span) or of a
    /// consumer span (the enqueue call) is in another process, and is still written as the parent.
    @Test func theLiveEncodingKeepsParentsFromOtherProcesses() {
        let server = SpanAssembler.assemble(
            traceID: Self.order,
            events: [
                Self.event(
                    .rpcReceive, node: "queue", span: "4444444444444444", parent: "2222222222222222",
                    data: ["method": .string("enqueue")], at: 1)
            ])
        let live = OTLPEncoder.tracesData(server, keepsEveryParent: true)
        #expect(live.contains(#""parentSpanId":"2222222222222222""#))
        let lone = OTLPEncoder.tracesData(server)
        #expect(!lone.contains("parentSpanId") && lone.contains("bookstore.parent_span_id"))
    }

    @Test func idlePollsAndScrapesAreLeftOutUnlessKept() {
        let poll = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        let idle = Self.call("lease", node: "executor-1", span: "4444444444444444", parent: nil, at: 1).map {
            var event = $0
            event.traceID = poll
            return event
        }
        let scrape = [
            Self.event(
                .rpcReceive, node: "queue", span: "5555555555555555", data: ["method": .string("GET /metrics")], at: 3),
            Self.event(
                .rpcReplySend, node: "queue", span: "5555555555555555", data: ["method": .string("GET /metrics")], at: 4
            ),
        ]
        let busy =
            Self.call("lease", node: "executor-1", span: "6666666666666666", parent: nil, at: 10)
            + [
                Self.event(
                    .queueLease, node: "executor-1", span: "6666666666666666",
                    data: ["order": .string(Self.order), "lease": .int(1)], at: 10)
            ]
        let idleSpans = SpanAssembler.assemble(traceID: poll, events: idle)
        #expect(TraceShaper.withoutNoise(idleSpans, keepIdlePolls: false, keepScrapes: false).isEmpty)
        #expect(TraceShaper.withoutNoise(idleSpans, keepIdlePolls: true, keepScrapes: false).count == 1)
        let scrapeSpans = SpanAssembler.assemble(traceID: Self.order, events: scrape)
        #expect(TraceShaper.withoutNoise(scrapeSpans, keepIdlePolls: false, keepScrapes: false).isEmpty)
        #expect(TraceShaper.withoutNoise(scrapeSpans, keepIdlePolls: false, keepScrapes: true).count == 1)
        let busySpans = SpanAssembler.assemble(traceID: poll, events: busy)
        #expect(TraceShaper.withoutNoise(busySpans, keepIdlePolls: false, keepScrapes: false).count == 1)
    }
}
