import Causality
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
        run.record("orchestrator", .rpcReceive, context: checkout, ["method": "POST /checkout"])

        call(
            &run, from: "orchestrator", to: "fraud", method: "score", msg: "orchestrator-101-1", parent: checkout,
            spans: ("b7ad6b7169203331", "e457b5a2e4d86bd1")
        ) { run, server in
            run.record("fraud", .log, context: server, ["level": "info", "message": "scored"])
        }
        let verify = TraceContext(traceID: order, spanID: "c1c1c1c1c1c1c1c1", parentSpanID: checkout.spanID)
        let verifyData: [String: TraceValue] = [
            "method": "verify", "msg": "orchestrator-101-2", "peer": "verification",
        ]
        run.record("orchestrator", .rpcSend, context: verify, verifyData)
        var failure = verifyData
        failure.merge(["status": "unavailable", "error": "connection refused", "duration_ns": 5_000]) { $1 }
        run.record("orchestrator", .rpcFailure, context: verify, failure)

        let decide = TraceContext(traceID: order, spanID: "d2d2d2d2d2d2d2d2", parentSpanID: checkout.spanID)
        run.record("orchestrator", .spanStart, context: decide, ["name": "decide"])
        run.record("orchestrator", EventKind("order.decision"), context: decide, ["order": .string(order)])
        run.record(
            "orchestrator", .spanEnd, context: decide, ["name": "decide", "status": "ok", "duration_ns": 2_000])

        call(
            &run, from: "orchestrator", to: "queue", method: "enqueue", msg: "orchestrator-101-3", parent: checkout,
            spans: ("e3e3e3e3e3e3e3e3", "f4f4f4f4f4f4f4f4")
        ) { run, server in
            run.record("queue", EventKind("queue.enqueue"), context: server, ["order": .string(order), "depth": 1])
        }
        run.record(
            "orchestrator", .rpcReplySend, context: checkout,
            ["method": "POST /checkout", "status": "ok", "http_status": 200, "duration_ns": 90_000])

        run.record("executor-1", EventKind("election.start"), merging: VectorClock(["ghost": 5]), ["reason": "start"])
        run.record("executor-1", EventKind("election.leader"), ["leader": 1, "epoch": "1.1", "self": true])
        let lease = TraceContext(traceID: leaseTrace, spanID: "a5a5a5a5a5a5a5a5")
        call(
            &run, from: "executor-1", to: "queue", method: "lease", msg: "executor-1-104-1", parent: nil,
            spans: (lease.spanID, "b6b6b6b6b6b6b6b6"), trace: leaseTrace
        ) { run, server in
            run.record("queue", EventKind("queue.lease"), context: server, ["order": .string(order), "depth": 0])
        }
        let work = TraceContext(traceID: order, spanID: "c7c7c7c7c7c7c7c7")
        run.record("executor-1", EventKind("executor.dequeue"), context: work, ["order": .string(order)])
        run.record("executor-1", EventKind("executor.commit"), context: work, ["order": .string(order)])
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
        let sent = run.record(
            client, .rpcSend, context: callSpan,
            ["method": .string(method), "msg": .string(msg), "peer": .string(server)])
        let serverData: [String: TraceValue] = [
            "method": .string(method), "msg": .string(msg), "peer": .string(client),
        ]
        run.record(server, .rpcReceive, merging: run.events[sent].clock, context: serverSpan, serverData)
        handler(&run, serverSpan)
        var reply = serverData
        reply.merge(["status": "ok", "http_status": 200, "duration_ns": 3_000]) { $1 }
        let replied = run.record(server, .rpcReplySend, context: serverSpan, reply)
        reply["peer"] = .string(server)
        run.record(client, .rpcReplyReceive, merging: run.events[replied].clock, context: callSpan, reply)
    }
}
