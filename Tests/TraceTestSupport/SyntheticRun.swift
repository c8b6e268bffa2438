import Foundation
import TraceFormat

/// Writes a synthetic but realistic run for benchmarks: the cluster's nine nodes exchanging the same kinds of
/// events as a real checkout (about 34 events per order, with clocks that obey the rules), built with
/// `ScenarioBuilder` and gzip-compressed in sync-flushed batches like `TraceFileWriter`, a few orders at a time so
/// memory stays flat however large the run. Deterministic for a given size.
public struct SyntheticRun {
    public let directory: String
    private var builder: ScenarioBuilder
    private var buffers: [String: [UInt8]] = [:]
    private var compressors: [String: GzipCompressor] = [:]
    private var handles: [String: FileHandle] = [:]
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
            run.builder.order(number: order)
            run.drain()
            order += 1
        }
        try run.finish()
        return run.events
    }

    private init(directory: String) throws {
        self.directory = directory
        let pids = Dictionary(uniqueKeysWithValues: Self.nodes.enumerated().map { ($1, 4000 + Int32($0)) })
        builder = ScenarioBuilder(now: 1_800_000_000_000_000_000, step: 37_000, pids: pids, spanID: nil)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for node in Self.nodes {
            let path = directory + "/\(node).jsonl.gz"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            handles[node] = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            compressors[node] = try GzipCompressor()
            buffers[node] = []
        }
    }

    /// Moves the builder's events into the nodes' buffers, compressing a buffer when it passes 1 MiB.
    private mutating func drain() {
        for event in builder.events {
            TraceEventEncoder.appendLine(event, to: &buffers[event.node]!)
            if buffers[event.node]!.count > 1 << 20 { flush(event.node, finish: false) }
        }
        events += builder.events.count
        builder.events.removeAll(keepingCapacity: true)
    }

    private mutating func flush(_ node: String, finish: Bool) {
        let bytes = compressors[node]!.compress(buffers[node]!, finish: finish)
        handles[node]!.write(Data(bytes))
        buffers[node]!.removeAll(keepingCapacity: true)
    }

    private mutating func finish() throws {
        if events == 0 { builder.record("executor-3", .log, ["message": "idle"]) }
        for node in Self.nodes where builder.sequences[node] == nil {
            builder.record(node, .log, ["level": "info", "message": "listening"])
        }
        drain()
        for node in Self.nodes {
            flush(node, finish: true)
            try handles[node]!.close()
        }
    }
}

extension ScenarioBuilder {
    /// One order of the benchmark's run: checkout with its three service calls and an enqueue, the leader's
    /// lease, execution and ack; every 50th order also a round of leader heartbeats.
    mutating func order(number: Int) {
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
}
