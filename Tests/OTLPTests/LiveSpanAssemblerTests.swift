import Causality
import OTLP
import Testing
import TraceFormat

/// The live assembler rebuilds the same spans as the file export's, within its bounds.
@Suite struct LiveSpanAssemblerTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    private var sequence: UInt64 = 0

    private mutating func event(
        _ kind: EventKind, span: String, parent: String? = nil, data: [String: TraceValue] = [:]
    ) -> TraceEvent {
        sequence += 1
        return TraceEvent(
            wallTimeNanos: 1_000 * Int64(sequence), node: "queue", pid: 7, sequence: sequence, kind: kind,
            traceID: Self.trace, spanID: span, parentSpanID: parent, clock: VectorClock(["queue": sequence]),
            data: data)
    }

    private mutating func exchange(span: String) -> [TraceEvent] {
        [
            event(.rpcReceive, span: span, parent: "00f067aa0ba902b7", data: ["method": .string("enqueue")]),
            event(.log, span: span, data: ["message": .string("stored")]),
            event(
                .rpcReplySend, span: span, parent: "00f067aa0ba902b7",
                data: ["method": .string("enqueue"), "status": .string("ok"), "http_status": .int(200)]),
        ]
    }

    @Test mutating func aServerExchangeBecomesOneSpanWhenItsReplyIsRecorded() {
        var assembler = LiveSpanAssembler()
        let events = exchange(span: "b7ad6b7169203331")
        #expect(assembler.on(events[0]).isEmpty)
        #expect(assembler.on(events[1]).isEmpty)
        let spans = assembler.on(events[2])
        #expect(spans.count == 1)
        #expect(spans.first?.kind == .server && spans.first?.name == "enqueue" && spans.first?.events.count == 1)
        #expect(spans.first?.parentSpanID == "00f067aa0ba902b7")
        #expect(assembler.openCount == 0)
    }

    @Test mutating func liveAndFileAssemblyAgreeOnEverySpan() {
        var events = exchange(span: "b7ad6b7169203331") + exchange(span: "c8be7c8279314442")
        events.append(event(.queueEnqueue, span: "d9cf8d9380425553", data: ["order": .string(Self.trace)]))
        var assembler = LiveSpanAssembler()
        var live = events.flatMap { assembler.on($0) } + assembler.drain()
        let file = SpanAssembler.assemble(traceID: Self.trace, events: events)
        live.sort { $0.spanID < $1.spanID }
        #expect(live.map(\.spanID) == file.map(\.spanID).sorted())
        #expect(live.map(\.events.count) == file.sorted { $0.spanID < $1.spanID }.map(\.events.count))
    }

    @Test mutating func openSpansAreBoundedAndTheOldestIsDroppedAndCounted() {
        var assembler = LiveSpanAssembler(maximumOpenSpans: 2)
        let spans = ["1111111111111111", "2222222222222222", "3333333333333333"]
        for span in spans {
            _ = assembler.on(event(.rpcReceive, span: span, data: ["method": .string("lease")]))
        }
        #expect(assembler.openCount == 2)
        #expect(assembler.spansDropped == 1)
        // The dropped span's reply is dropped too, not made into a span of its own.
        #expect(assembler.on(event(.rpcReplySend, span: spans[0], data: ["method": .string("lease")])).isEmpty)
        #expect(assembler.eventsDropped == 1)
        #expect(assembler.drain().map(\.spanID) == [spans[1], spans[2]])
    }

    @Test mutating func eventsPerSpanAreBounded() {
        var assembler = LiveSpanAssembler(maximumEventsPerSpan: 4)
        _ = assembler.on(event(.rpcReceive, span: "1111111111111111", data: ["method": .string("lease")]))
        for _ in 0..<10 { _ = assembler.on(event(.log, span: "1111111111111111")) }
        let spans = assembler.on(event(.rpcReplySend, span: "1111111111111111", data: ["method": .string("lease")]))
        #expect(spans.first?.events.count == 2)
        #expect(assembler.eventsDropped == 8)
    }

    @Test mutating func anExecutorsDequeueToCommitIsOneConsumerSpan() {
        var assembler = LiveSpanAssembler()
        let span = "4444444444444444"
        #expect(assembler.on(event(.executorDequeue, span: span, data: ["order": .string(Self.trace)])).isEmpty)
        let spans = assembler.on(
            event(.executorCommit, span: span, data: ["order": .string(Self.trace), "outcome": .string("committed")]))
        #expect(spans.first?.kind == .consumer)
        #expect(spans.first?.statusCode == 1)
    }

    @Test func eventsWithoutATraceAreNotSpans() {
        var assembler = LiveSpanAssembler()
        let election = TraceEvent(
            wallTimeNanos: 1, node: "executor-1", pid: 1, sequence: 1, kind: EventKind("election.start"),
            traceID: nil, spanID: nil, parentSpanID: nil, clock: VectorClock(["executor-1": 1]), data: [:])
        #expect(assembler.on(election).isEmpty)
        #expect(assembler.drain().isEmpty)
    }
}
