import Causality
import ClusterProtocol
import Foundation
import TraceFormat
import TraceTestSupport

/// A small run built with `ScenarioBuilder` and written with `TraceFileWriter`, covering what the exporters turn into something:
/// a checkout (external request → orchestrator → fraud, with a log), a failed call to a node that has no file,
/// an internal span, an enqueue and a lease with queue depth, an executor's order span, and an election whose
/// clock names a node ("ghost") that has no file.
enum SampleRun {
    static let order = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let leaseTrace = "9a0e6d1c2b3a4f5e6d7c8b9a0f1e2d3c"
    static let externalParent = "1111111111111111"
    static let nodes = ["executor-1", "fraud", "orchestrator", "queue"]

    /// Writes the run into `directory` and closes its files.
    static func write(to directory: String) throws {
        // Pids as the four recorders had them; wall time advances 1 µs per event, from where `SteppingClock` starts.
        var run = ScenarioBuilder(
            now: 1_733_000_000_000_000_000, step: 1_000,
            pids: ["orchestrator": 101, "fraud": 102, "queue": 103, "executor-1": 104])

        let checkout = TraceContext(traceID: order, spanID: "00f067aa0ba902b7", parentSpanID: externalParent)
        run.record("orchestrator", RPCReceive(msg: nil, peer: nil, method: "POST /checkout"), context: checkout)

        call(
            &run, from: "orchestrator", to: "fraud", method: "score", msg: "orchestrator-101-1", parent: checkout,
            spans: ("b7ad6b7169203331", "e457b5a2e4d86bd1")
        ) { run, server in
            run.record(
                "fraud", LogRecord(level: "info", message: "scored", logger: nil, attributes: nil), context: server)
        }
        let verify = TraceContext(traceID: order, spanID: "c1c1c1c1c1c1c1c1", parentSpanID: checkout.spanID)
        let verifySend = RPCSend(msg: "orchestrator-101-2", peer: "verification", method: "verify")
        run.record("orchestrator", verifySend, context: verify)
        let failure = RPCFailure(
            msg: verifySend.msg, peer: verifySend.peer, method: verifySend.method, status: "unavailable",
            error: "connection refused", durationNanos: 5_000)
        run.record("orchestrator", failure, context: verify)

        let decide = TraceContext(traceID: order, spanID: "d2d2d2d2d2d2d2d2", parentSpanID: checkout.spanID)
        run.record("orchestrator", SpanStart(name: "decide"), context: decide)
        run.record(
            "orchestrator", OrderDecision(order: order, status: nil, reasons: nil, fraudScore: nil), context: decide)
        run.record("orchestrator", SpanEnd(name: "decide", status: "ok", durationNanos: 2_000), context: decide)

        call(
            &run, from: "orchestrator", to: "queue", method: "enqueue", msg: "orchestrator-101-3", parent: checkout,
            spans: ("e3e3e3e3e3e3e3e3", "f4f4f4f4f4f4f4f4")
        ) { run, server in
            run.record("queue", QueueEnqueue(order: order, priority: nil, depth: 1, duplicate: nil), context: server)
        }
        run.record(
            "orchestrator",
            RPCReplySend(
                msg: nil, peer: nil, method: "POST /checkout", status: "ok", httpStatus: 200, durationNanos: 90_000),
            context: checkout)

        run.record("executor-1", ElectionStart(reason: "start", term: nil), merging: VectorClock(["ghost": 5]))
        run.record("executor-1", ElectionLeader(leader: 1, epoch: ScenarioBuilder.epoch("1.1"), isSelf: true))
        let lease = TraceContext(traceID: leaseTrace, spanID: "a5a5a5a5a5a5a5a5")
        call(
            &run, from: "executor-1", to: "queue", method: "lease", msg: "executor-1-104-1", parent: nil,
            spans: (lease.spanID, "b6b6b6b6b6b6b6b6"), trace: leaseTrace
        ) { run, server in
            let lease = QueueLease(
                order: order, executor: nil, epoch: nil, lease: nil, delivery: nil, slot: nil, expiresInMs: nil,
                renewed: nil, depth: 0)
            run.record("queue", lease, context: server)
        }
        let work = TraceContext(traceID: order, spanID: "c7c7c7c7c7c7c7c7")
        run.record(
            "executor-1", ExecutorDequeue(order: order, epoch: nil, lease: nil, delivery: nil, slot: nil), context: work
        )
        run.record("executor-1", ExecutorCommit(order: order, epoch: nil, lease: nil, outcome: nil), context: work)
        try run.write(to: directory)
    }

    /// One successful call, recorded on both sides with the clock rules of the RPC layer.
    private static func call(
        _ run: inout ScenarioBuilder, from client: String, to server: String, method: String, msg: String,
        parent: TraceContext?, spans: (client: String, server: String), trace: String = order,
        handler: (inout ScenarioBuilder, TraceContext) -> Void
    ) {
        let callSpan = TraceContext(traceID: trace, spanID: spans.client, parentSpanID: parent?.spanID)
        let serverSpan = TraceContext(traceID: trace, spanID: spans.server, parentSpanID: spans.client)
        let sent = run.record(client, RPCSend(msg: msg, peer: server, method: method), context: callSpan)
        run.record(
            server, RPCReceive(msg: msg, peer: client, method: method), merging: run.events[sent].clock,
            context: serverSpan)
        handler(&run, serverSpan)
        let replied = run.record(
            server,
            RPCReplySend(msg: msg, peer: client, method: method, status: "ok", httpStatus: 200, durationNanos: 3_000),
            context: serverSpan)
        run.record(
            client,
            RPCReplyReceive(
                msg: msg, peer: server, method: method, status: "ok", httpStatus: 200, durationNanos: 3_000),
            merging: run.events[replied].clock, context: callSpan)
    }
}
