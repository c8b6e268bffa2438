import Causality
import Testing
import TraceFormat

@testable import TraceAnalysis

/// The run loader's readers decode each clock straight into an array by node number and recognise each kind as a
/// small code. Whatever the lines hold, an event read that way must be the event the reference path reads: the same
/// clock (built back from the array), the same dense form, sum and `external` flag, and the same kind family.
struct DenseEventTests {
    private static func line(seq: Int, kind: String = "log", clock: String) -> String {
        "{\"v\":1,\"ts\":1800000000000000001,\"node\":\"orchestrator\",\"pid\":7,\"seq\":\(seq),\"kind\":\"\(kind)\","
            + "\"vc\":\(clock),\"data\":{}}"
    }

    /// Consecutive lines of one file, as the decoder meets them: the cached path (same keys, counters up, counters
    /// down, several changed), key sets that change, nodes outside the numbering, zero, duplicate and odd entries.
    private static let clocks = [
        #"{"orchestrator":1}"#,
        #"{"orchestrator":2}"#,
        #"{"load":1,"orchestrator":3}"#,
        #"{"load":1,"orchestrator":4}"#,
        #"{"load":5,"orchestrator":9}"#,
        #"{"load":2,"orchestrator":10}"#,
        #"{ "load" : 2 , "orchestrator" : 11 }"#,
        #"{"load":2,"orchestrator":12,"queue":3}"#,
        #"{"load":2,"orchestrator":13,"outsider":4,"queue":3}"#,
        #"{"load":2,"orchestrator":14,"outsider":5,"queue":3}"#,
        #"{"load":2,"orchestrator":15,"queue":3}"#,
        #"{"load":0,"orchestrator":16,"queue":3}"#,
        #"{"load":2,"orchestrator":17,"queue":3}"#,
        #"{"orchestrator":18,"orchestrator":19}"#,
        #"{"queue":1,"orchestrator":20}"#,
        #"{"orchestrator":21,"queue":1.5}"#,
        #"{"orchestrator":18446744073709551615,"queue":18446744073709551615}"#,
        #"{"orchestrator":18446744073709551616}"#,
        #"{}"#,
        #"{"orchestrator":22}"#,
    ]

    @Test("a clock decoded by node number is the clock the whole decoder reads, line after line")
    func denseClocksMatchTheWholeDecoder() {
        let index = NodeIndex(["load", "orchestrator", "queue"])
        var whole = FastEventDecoder(keepingRPCDataRaw: true)
        var dense = FastEventDecoder(keepingRPCDataRaw: true)
        dense.decodingDenseClocks(nodes: index.positions, count: index.names.count)
        var externals = 0
        var decoded = 0
        for (offset, clock) in Self.clocks.enumerated() {
            let bytes = Array(Self.line(seq: offset + 1, clock: clock).utf8)
            let expected = bytes.withUnsafeBufferPointer { whole.decode($0) }
            let envelope = bytes.withUnsafeBufferPointer { dense.decode($0) }
            #expect((expected == nil) == (envelope == nil), "\(clock)")
            guard let expected, let envelope else { continue }
            decoded += 1
            guard let denseClock = dense.lastDenseClock else {
                Issue.record("no dense clock for \(clock)")
                continue
            }
            var memo = ClockPositions()
            let event = RunEvent.make(
                envelope, line: offset + 1, index: index, memo: &memo, decodingPayloads: true,
                denseClock: denseClock)
            let reference = RunEvent.make(expected, line: offset + 1, index: index)
            #expect(event.clock == expected.clock, "\(clock)")
            #expect(event.event == expected, "\(clock)")
            #expect(event.dense == reference.dense, "\(clock)")
            #expect(event.clockSum == reference.clockSum, "\(clock)")
            #expect(event.external == reference.external, "\(clock)")
            #expect(envelope.clock == (denseClock.external ? expected.clock : VectorClock()), "\(clock)")
            for name in ["load", "orchestrator", "queue", "outsider", "nobody"] {
                #expect(event.counter(name) == expected.clock[name], "\(clock) \(name)")
            }
            if denseClock.external { externals += 1 }
        }
        // The fixture reaches the cases it is about: clocks outside the numbering, and most lines decoded fast.
        #expect(externals == 2)
        #expect(decoded >= Self.clocks.count - 3)
    }

    @Test("the kind code gives each kind the family the checks compared its name with")
    func kindCodesFollowTheKindNames() {
        let kinds = [
            "rpc.send", "rpc.receive", "rpc.reply.send", "rpc.reply.receive", "rpc.failure", "rpc.other", "span.start",
            "span.end", "node.stopping", "service.restarted", "service.gave_up", "heartbeat.timeout", "election.send",
            "election.receive", "election.leader", "order.decision", "queue.commit", "queue.lease", "executor.commit",
            "executor.dequeue", "log", "rpc", "queue", "Rpc.send", "rpc.send ", "",
            // Non-ASCII: a combining mark after a prefix joins its last character (then no prefix for `String`).
            "rpc.\u{301}x", "queue.\u{301}", "rpc.é", "executor.\u{200D}a", "rpc.send\u{301}", "e\u{301}lection.send",
            "queue.commit\u{301}", "election.",
        ]
        for name in kinds {
            let kind = EventKind(name)
            let code = KindCode(kind)
            #expect(code.isRPC == name.hasPrefix("rpc."), "\(name)")
            #expect(code.isElection == name.hasPrefix("election."), "\(name)")
            #expect(code.isQueue == name.hasPrefix("queue."), "\(name)")
            #expect(code.isExecutor == name.hasPrefix("executor."), "\(name)")
            #expect((code == .rpcSend) == (kind == .rpcSend), "\(name)")
            #expect((code == .rpcReceive) == (kind == .rpcReceive), "\(name)")
            #expect((code == .rpcReplySend) == (kind == .rpcReplySend), "\(name)")
            #expect((code == .rpcReplyReceive) == (kind == .rpcReplyReceive), "\(name)")
            #expect((code == .rpcFailure) == (kind == .rpcFailure), "\(name)")
            #expect(
                code.isRPCMessage
                    == [.rpcSend, .rpcReceive, .rpcReplySend, .rpcReplyReceive, .rpcFailure].contains(kind))
            #expect((code == .spanStart) == (kind == .spanStart), "\(name)")
            #expect((code == .spanEnd) == (kind == .spanEnd), "\(name)")
            #expect((code == .nodeStopping) == (name == "node.stopping"), "\(name)")
            #expect((code == .serviceRestarted) == (kind == .serviceRestarted), "\(name)")
            #expect((code == .serviceGaveUp) == (kind == .serviceGaveUp), "\(name)")
            #expect((code == .heartbeatTimeout) == (kind == .heartbeatTimeout), "\(name)")
            #expect((code == .electionSend) == (kind == .electionSend), "\(name)")
            #expect((code == .electionReceive) == (kind == .electionReceive), "\(name)")
            #expect((code == .orderDecision) == (kind == .orderDecision), "\(name)")
            #expect((code == .queueCommit) == (kind == .queueCommit), "\(name)")
            #expect((code == .executorCommit) == (kind == .executorCommit), "\(name)")
        }
    }
}
