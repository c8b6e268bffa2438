import Causality
import Foundation
import TraceFormat

/// A small run written with `TraceRecorder`s, covering what the exporters turn into something:
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
        let clock = SteppingClock()
        func recorder(_ node: String, pid: Int32) throws -> TraceRecorder {
            let writer = try TraceFileWriter(path: TraceRecorder.path(node: node, directory: directory))
            return TraceRecorder(node: node, writer: writer, pid: pid, wallClock: { clock.read() })
        }
        let orchestrator = try recorder("orchestrator", pid: 101)
        let fraud = try recorder("fraud", pid: 102)
        let queue = try recorder("queue", pid: 103)
        let executor = try recorder("executor-1", pid: 104)
        defer { [orchestrator, fraud, queue, executor].forEach { $0.close() } }

        let checkout = TraceContext(traceID: order, spanID: "00f067aa0ba902b7", parentSpanID: externalParent)
        orchestrator.record(.rpcReceive, context: checkout, data: ["method": "POST /checkout"])

        call(
            from: orchestrator, to: fraud, method: "score", msg: "orchestrator-101-1", parent: checkout,
            spans: ("b7ad6b7169203331", "e457b5a2e4d86bd1")
        ) { server in
            fraud.record(.log, context: server, data: ["level": "info", "message": "scored"])
        }
        let verify = TraceContext(traceID: order, spanID: "c1c1c1c1c1c1c1c1", parentSpanID: checkout.spanID)
        let verifyData: [String: TraceValue] = [
            "method": "verify", "msg": "orchestrator-101-2", "peer": "verification",
        ]
        orchestrator.record(.rpcSend, context: verify, data: verifyData)
        var failure = verifyData
        failure.merge(["status": "unavailable", "error": "connection refused", "duration_ns": 5_000]) { $1 }
        orchestrator.record(.rpcFailure, context: verify, data: failure)

        let decide = TraceContext(traceID: order, spanID: "d2d2d2d2d2d2d2d2", parentSpanID: checkout.spanID)
        orchestrator.record(.spanStart, context: decide, data: ["name": "decide"])
        orchestrator.record(EventKind("order.decision"), context: decide, data: ["order": .string(order)])
        orchestrator.record(.spanEnd, context: decide, data: ["name": "decide", "status": "ok", "duration_ns": 2_000])

        call(
            from: orchestrator, to: queue, method: "enqueue", msg: "orchestrator-101-3", parent: checkout,
            spans: ("e3e3e3e3e3e3e3e3", "f4f4f4f4f4f4f4f4")
        ) { server in
            queue.record(EventKind("queue.enqueue"), context: server, data: ["order": .string(order), "depth": 1])
        }
        orchestrator.record(
            .rpcReplySend, context: checkout,
            data: ["method": "POST /checkout", "status": "ok", "http_status": 200, "duration_ns": 90_000])

        executor.record(EventKind("election.start"), merging: VectorClock(["ghost": 5]), data: ["reason": "start"])
        executor.record(EventKind("election.leader"), data: ["leader": 1, "epoch": "1.1", "self": true])
        let lease = TraceContext(traceID: leaseTrace, spanID: "a5a5a5a5a5a5a5a5")
        call(
            from: executor, to: queue, method: "lease", msg: "executor-1-104-1", parent: nil,
            spans: (lease.spanID, "b6b6b6b6b6b6b6b6"), trace: leaseTrace
        ) { server in
            queue.record(EventKind("queue.lease"), context: server, data: ["order": .string(order), "depth": 0])
        }
        let work = TraceContext(traceID: order, spanID: "c7c7c7c7c7c7c7c7")
        executor.record(EventKind("executor.dequeue"), context: work, data: ["order": .string(order)])
        executor.record(EventKind("executor.commit"), context: work, data: ["order": .string(order)])
    }

    /// One successful call, recorded on both sides with the clock rules of the RPC layer.
    private static func call(
        from client: TraceRecorder, to server: TraceRecorder, method: String, msg: String, parent: TraceContext?,
        spans: (client: String, server: String), trace: String = order, handler: (TraceContext) -> Void
    ) {
        let callSpan = TraceContext(traceID: trace, spanID: spans.client, parentSpanID: parent?.spanID)
        let serverSpan = TraceContext(traceID: trace, spanID: spans.server, parentSpanID: spans.client)
        let sent = client.record(
            .rpcSend, context: callSpan,
            data: ["method": .string(method), "msg": .string(msg), "peer": .string(server.node)])
        let serverData: [String: TraceValue] = [
            "method": .string(method), "msg": .string(msg), "peer": .string(client.node),
        ]
        server.record(.rpcReceive, context: serverSpan, merging: sent, data: serverData)
        handler(serverSpan)
        var reply = serverData
        reply.merge(["status": "ok", "http_status": 200, "duration_ns": 3_000]) { $1 }
        let replied = server.record(.rpcReplySend, context: serverSpan, data: reply)
        reply["peer"] = .string(server.node)
        client.record(.rpcReplyReceive, context: callSpan, merging: replied, data: reply)
    }
}
