import Causality
import Foundation
import TraceFormat

/// Writes a synthetic but realistic run for benchmarks: the cluster's nine nodes exchanging the same kinds of
/// events as a real checkout (about 34 events per order, with clocks that obey the rules), gzip-compressed in
/// sync-flushed batches like `TraceFileWriter`. Deterministic for a given size.
public struct SyntheticRun {
    public let directory: String
    private var clocks: [String: VectorClock] = [:]
    private var sequences: [String: UInt64] = [:]
    private var buffers: [String: [UInt8]] = [:]
    private var compressors: [String: GzipCompressor] = [:]
    private var handles: [String: FileHandle] = [:]
    private var now: Int64 = 1_800_000_000_000_000_000
    private var messages = 0
    public private(set) var events = 0

    static let nodes = [
        "executor-1", "executor-2", "executor-3", "fraud", "load", "orchestrator", "queue", "suggestions",
        "verification",
    ]

    /// Writes about `events` events into `directory` (created; existing node files are replaced).
    @discardableResult
    public static func write(events target: Int, to directory: String) throws -> Int {
        var run = try SyntheticRun(directory: directory)
        var order = 0
        while run.events < target {
            run.order(number: order)
            order += 1
        }
        try run.finish()
        return run.events
    }

    private init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for node in Self.nodes {
            let path = directory + "/\(node).jsonl.gz"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            handles[node] = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            compressors[node] = try GzipCompressor()
            buffers[node] = []
        }
    }

    @discardableResult
    private mutating func record(
        _ node: String, _ kind: EventKind, merging remote: VectorClock? = nil, trace: String? = nil,
        _ data: [String: TraceValue] = [:]
    ) -> VectorClock {
        var clock = clocks[node] ?? VectorClock()
        if let remote { clock.merge(remote) }
        clock.tick(node)
        clocks[node] = clock
        sequences[node, default: 0] += 1
        now += 37_000
        let event = TraceEvent(
            wallTimeNanos: now, node: node, pid: 4000 + Int32(Self.nodes.firstIndex(of: node)!),
            sequence: sequences[node]!, kind: kind, traceID: trace, spanID: trace.map { String($0.prefix(16)) },
            clock: clock, data: data)
        TraceEventEncoder.appendLine(event, to: &buffers[node]!)
        events += 1
        if buffers[node]!.count > 1 << 20 { flush(node, finish: false) }
        return clock
    }

    private mutating func flush(_ node: String, finish: Bool) {
        let bytes = compressors[node]!.compress(buffers[node]!, finish: finish)
        handles[node]!.write(Data(bytes))
        buffers[node]!.removeAll(keepingCapacity: true)
    }

    private mutating func call(
        _ client: String, _ server: String, _ method: String, trace: String?, handler: (inout SyntheticRun) -> Void
    ) {
        messages += 1
        let msg = "\(client)-4000-\(messages)"
        let sent = record(
            client, .rpcSend, trace: trace,
            [
                "msg": .string(msg), "peer": .string(server),
                "method": .string(method),
            ])
        record(
            server, .rpcReceive, merging: sent, trace: trace,
            [
                "msg": .string(msg), "peer": .string(client),
                "method": .string(method),
            ])
        handler(&self)
        let reply = record(
            server, .rpcReplySend, trace: trace,
            [
                "msg": .string(msg), "peer": .string(client),
                "method": .string(method), "status": "ok", "http_status": 200, "duration_ns": 431_000,
            ])
        record(
            client, .rpcReplyReceive, merging: reply, trace: trace,
            [
                "msg": .string(msg),
                "peer": .string(server), "method": .string(method), "status": "ok", "http_status": 200,
                "duration_ns": 1_105_000,
            ])
    }

    private mutating func order(number: Int) {
        let id = String(format: "%032x", number &* 2_654_435_761 &+ 97)
        call("load", "orchestrator", "POST /checkout", trace: id) { run in
            run.record(
                "orchestrator", .log, trace: id,
                [
                    "level": "info", "message": "checkout", "logger": "orchestrator", "attributes": .object([:]),
                ])
            for (service, method) in [("verification", "verify"), ("fraud", "assess"), ("suggestions", "suggest")] {
                run.call("orchestrator", service, method, trace: id) { _ in }
            }
            run.call("orchestrator", "queue", "enqueue", trace: id) { inner in
                inner.record(
                    "queue", EventKind("queue.enqueue"), trace: id,
                    ["order": .string(id), "depth": 1, "duplicate": false, "priority": "countryRank=5"])
            }
            run.record(
                "orchestrator", EventKind("order.decision"), trace: id,
                ["order": .string(id), "status": "approved", "reasons": .array([]), "fraud_score": .double(0.0276)])
        }
        let lease = Int64(number + 1)
        call("executor-3", "queue", "lease", trace: nil) { run in
            run.record(
                "queue", EventKind("queue.lease"),
                [
                    "order": .string(id), "executor": 3, "epoch": "1.3",
                    "term": 1, "lease": .int(lease), "delivery": 1, "expires_in_ms": 2000, "renewed": false, "depth": 0,
                ])
        }
        record(
            "executor-3", EventKind("executor.dequeue"), trace: id,
            ["order": .string(id), "epoch": "1.3", "term": 1, "lease": .int(lease), "delivery": 1])
        call("executor-3", "queue", "ack", trace: id) { run in
            run.record(
                "queue", EventKind("queue.commit"), trace: id,
                [
                    "order": .string(id), "executor": 3,
                    "epoch": "1.3", "term": 1, "lease": .int(lease), "outcome": "committed",
                ])
        }
        record(
            "executor-3", EventKind("executor.commit"), trace: id,
            ["order": .string(id), "epoch": "1.3", "term": 1, "lease": .int(lease), "outcome": "committed"])
        if number % 50 == 0 {
            for follower in ["executor-1", "executor-2"] {
                call("executor-3", follower, "bully", trace: nil) { _ in }
            }
        }
    }

    private mutating func finish() throws {
        if events == 0 { record("executor-3", .log, ["message": "idle"]) }
        for node in Self.nodes {
            if sequences[node] == nil { record(node, .log, ["level": "info", "message": "listening"]) }
        }
        for node in Self.nodes {
            flush(node, finish: true)
            try handles[node]!.close()
        }
    }
}
