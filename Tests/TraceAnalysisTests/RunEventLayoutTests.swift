import Causality
import Testing
import TraceFormat

@testable import TraceAnalysis

/// A `RunEvent` holds few references and derives its node name and kind from numbers (`RunEventFields`); whatever
/// it derives must answer as the event read: the same kind, node, clock and whole event.
struct RunEventLayoutTests {
    private static let index = NodeIndex(["load", "orchestrator", "queue"])

    private static func line(kind: String, clock: String = #"{"load":2,"orchestrator":4}"#) -> String {
        "{\"v\":1,\"ts\":1800000000000000001,\"node\":\"orchestrator\",\"pid\":7,\"seq\":3,\"kind\":\"\(kind)\","
            + "\"trace\":\"e220a8397b1dcdaf6e789e6aa1b965f4\",\"span\":\"1412727bb3970d58\","
            + "\"parent\":\"abbc1c6515741580\","
            + "\"vc\":\(clock),\"data\":{}}"
    }

    /// The event of `text` read in compact form (nil when the compact form does not take it), and decoded whole.
    private static func read(_ text: String) -> (compact: RunEvent?, whole: TraceEvent?) {
        let bytes = Array(text.utf8)
        var decoder = FastEventDecoder(keepingRPCDataRaw: true)
        decoder.decodingDenseClocks(nodes: index.positions, count: index.names.count)
        let node = Array("orchestrator".utf8)
        let event = bytes.withUnsafeBufferPointer { line in
            node.withUnsafeBufferPointer { decoder.decodeCompact(line, node: $0) }.flatMap {
                RunEvent.make(compact: $0, line: 1, bytes: line, member: nil, node: 1, index: index)
            }
        }
        var whole = FastEventDecoder()
        return (event, bytes.withUnsafeBufferPointer { whole.decode($0) })
    }

    @Test("the fields the merge reads on every event come before the header's first reference")
    func hotFieldsPrecedeTheReferences() throws {
        typealias Fields = RunEventFields
        let hot: [(offset: Int?, size: Int)] = [
            (MemoryLayout<Fields>.offset(of: \.clockSum), 8), (MemoryLayout<Fields>.offset(of: \.sequence), 8),
            (MemoryLayout<Fields>.offset(of: \.line), 8), (MemoryLayout<Fields>.offset(of: \.counters), 8),
            (MemoryLayout<Fields>.offset(of: \.pid), 4), (MemoryLayout<Fields>.offset(of: \.node), 4),
            (MemoryLayout<Fields>.offset(of: \.kindCode), 1),
            (MemoryLayout<Fields>.offset(of: \.kindName), 1),
            (MemoryLayout<Fields>.offset(of: \.external), 1), (MemoryLayout<Fields>.offset(of: \.compactRPC), 1),
            (MemoryLayout<Fields>.offset(of: \.keyState), 1),
        ]
        let firstReference = try #require(MemoryLayout<Fields>.offset(of: \.nodeName))
        for field in hot {
            let offset = try #require(field.offset)
            #expect(offset + field.size <= firstReference)
        }
        // With the object's own two words, the hot fields fit one 64-byte cache line.
        let end = hot.map { ($0.offset ?? 0) + $0.size }.max() ?? 0
        #expect(16 + end <= 64, "hot fields end at \(end)")
    }

    @Test("a compact event names each kind the format defines by number, and holds any other kind itself")
    func compactEventsAnswerTheirKind() throws {
        let others = ["rpc.other", "queue.custom", "a.kind.longer.than.fifteen.bytes", "log2", "Log"]
        var taken: [String] = []
        for kind in KindCode.names.map(\.rawValue) + others {
            let (event, decoded) = Self.read(Self.line(kind: kind))
            let whole = try #require(decoded, "\(kind)")
            // Some kinds (span events) take the compact form only with their payload's fields.
            guard let compact = event else { continue }
            taken.append(kind)
            #expect(compact.envelope.kind == whole.kind && compact.event.kind == whole.kind, "\(kind)")
            #expect(Array(compact.envelope.kind.rawValue.utf8) == Array(kind.utf8), "\(kind)")
            #expect(compact.envelope.node == "orchestrator" && compact.spanID == whole.spanID, "\(kind)")
            #expect(compact.envelope.clock == VectorClock() && compact.clock == whole.clock, "\(kind)")
            // Only a kind outside the names needs the rare fields (the clock is within the index).
            #expect((compact.header.rare == nil) == KindCode.names.contains(whole.kind), "\(kind)")
            #expect(compact.kindCode == KindCode(whole.kind), "\(kind)")
        }
        // The fixture reaches what it is about: every kind outside the names, and most of the names.
        #expect(Set(others).isSubset(of: taken))
        #expect(taken.count - others.count >= KindCode.names.count - 2, "\(taken)")
    }

    @Test("a compact event whose clock names a node outside the index holds that clock")
    func externalClocksAreKept() throws {
        let (event, decoded) = Self.read(Self.line(kind: "rpc.send", clock: #"{"orchestrator":4,"outsider":1}"#))
        let compact = try #require(event)
        let whole = try #require(decoded)
        #expect(compact.external && compact.header.rare != nil)
        #expect(compact.envelope.clock == whole.clock && compact.clock == whole.clock)
        #expect(compact.counter("outsider") == 1 && compact.counter("orchestrator") == 4)
        #expect(compact.envelope.kind == .rpcSend && compact.event == whole)
    }

    @Test("an event decoded whole answers its own node, kind and clock, as given")
    func wholeEventsAnswerAsGiven() {
        // A node name canonically equivalent to the index's but spelled with other bytes keeps its bytes.
        let index = NodeIndex(["caf\u{E9}", "queue"])
        let clock = VectorClock(["cafe\u{301}": 2, "queue": 1])
        for (node, kind) in [("cafe\u{301}", EventKind.queueLease), ("outsider", EventKind("custom.kind"))] {
            let event = TraceEvent(
                wallTimeNanos: 5, node: node, pid: 9, sequence: 4, kind: kind, spanID: nil, clock: clock)
            let made = RunEvent.make(event, line: 2, index: index)
            #expect(Array(made.envelope.node.utf8) == Array(node.utf8), "\(node)")
            #expect(made.node == (index.position(node) ?? -1), "\(node)")
            #expect(made.envelope.kind == kind && made.envelope.clock == clock, "\(node)")
            #expect(made.envelope.pid == 9 && made.envelope.sequence == 4 && made.envelope.wallTimeNanos == 5)
            #expect(made.event.node == node && made.event.kind == kind && made.line == 2, "\(node)")
        }
    }
}
