import ClusterProtocol
import Election
import Foundation
import SeededRandom
import TraceFormat

/// Writes a synthetic but realistic run for benchmarks: the cluster's nine nodes exchanging the same kinds of
/// events as a real checkout (about 35 events per order, with clocks that obey the rules), built with
/// `ScenarioBuilder`, a few orders at a time so memory stays flat however large the run. Like a real run's
/// events they are about 390 bytes of JSON each and varied: random span and parent ids, jittered wall times and
/// RPC durations, log attributes. Compressed like `TraceFileWriter`: gzip level 1, sync-flushed batches, a new gzip
/// member every 256 KiB of lines. Deterministic for a given size.
public struct SyntheticRun {
    public let directory: String
    private var builder: ScenarioBuilder
    private var buffers: [String: [UInt8]] = [:]
    private var compressors: [String: GzipCompressor] = [:]
    private var handles: [String: FileHandle] = [:]
    public private(set) var events = 0
    private var random = SplitMix64(seed: 0x5EED_0011)
    /// Lines a gzip member holds before the next one starts (`TraceFileSettings.memberBytes`).
    static let memberBytes = 256 << 10

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

    /// Moves the builder's events into the nodes' buffers (made varied like a real run's), ending a gzip member
    /// when a buffer passes `memberBytes`.
    private mutating func drain() {
        for var event in builder.events {
            vary(&event)
            TraceEventEncoder.appendLine(event, to: &buffers[event.node]!)
            if buffers[event.node]!.count > Self.memberBytes { flush(event.node, finish: true) }
        }
        events += builder.events.count
        builder.events.removeAll(keepingCapacity: true)
    }

    /// What a real run's events have and the builder's do not: a span per RPC side (the client's call span, the
    /// server's span under it, as the RPC library records them), wall times that do not advance in equal steps
    /// (within half a step, so each node's order stays), RPC durations that vary.
    private mutating func vary(_ event: inout TraceEvent) {
        event.wallTimeNanos += Int64(random.next() % 18_000)
        if event.traceID != nil, case .string(let msg)? = event.data["msg"] {
            let client = Self.span(msg, side: 0)
            let server = event.kind == .rpcReceive || event.kind == .rpcReplySend
            event.spanID = server ? Self.span(msg, side: 1) : client
            event.parentSpanID = server ? client : Self.span(event.traceID!, side: 2)
        }
        if event.data["duration_ns"] != nil {
            event.data["duration_ns"] = .int(Int64(200_000 + random.next() % 4_000_000))
        }
    }

    /// The id of order `number`: 32 hex digits that look random (like the orchestrator's UUIDv7 ids).
    public static func orderID(_ number: Int) -> String {
        var first = SplitMix64(seed: UInt64(number))
        return String(format: "%016llx%016llx", first.next(), first.next())
    }

    /// A 16-hex-digit span id derived from `text` (FNV-1a), distinct per side.
    private static func span(_ text: String, side: UInt64) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ side
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(format: "%016llx", hash)
    }

    private mutating func flush(_ node: String, finish: Bool) {
        let bytes = compressors[node]!.compress(buffers[node]!, finish: finish)
        handles[node]!.write(Data(bytes))
        buffers[node]!.removeAll(keepingCapacity: true)
        if finish { compressors[node]!.reset() }
    }

    private mutating func finish() throws {
        if events == 0 {
            builder.record("executor-3", LogRecord(level: nil, message: "idle", logger: nil, attributes: nil))
        }
        for node in Self.nodes where builder.sequences[node] == nil {
            builder.record(node, LogRecord(level: "info", message: "listening", logger: nil, attributes: nil))
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
        let id = SyntheticRun.orderID(number)
        call("load", "orchestrator", "POST /checkout", trace: id) { run in
            run.record(
                "orchestrator",
                LogRecord(
                    level: "info", message: "checkout received", logger: "orchestrator",
                    attributes: ["items": "\(1 + number % 4)", "order_id": id]),
                trace: id)
            for (service, method) in [("verification", "verify"), ("fraud", "assess"), ("suggestions", "suggest")] {
                run.call("orchestrator", service, method, trace: id) { _ in }
            }
            run.call("orchestrator", "queue", "enqueue", trace: id) { inner in
                inner.record(
                    "queue", QueueEnqueue(order: id, priority: "countryRank=5", depth: 1, duplicate: false), trace: id)
            }
            run.record(
                "orchestrator", OrderDecision(order: id, status: "approved", reasons: [], fraudScore: 0.0276),
                trace: id)
        }
        let lease = UInt64(number + 1)
        let epoch = Epoch(term: 1, leader: 3)
        call("executor-3", "queue", "lease", trace: nil) { run in
            run.record(
                "queue",
                QueueLease(
                    order: id, executor: 3, epoch: epoch, lease: lease, delivery: 1, slot: nil, expiresInMs: 2000,
                    renewed: false, depth: 0))
        }
        record("executor-3", ExecutorDequeue(order: id, epoch: epoch, lease: lease, delivery: 1, slot: nil), trace: id)
        call("executor-3", "queue", "ack", trace: id) { run in
            run.record(
                "queue",
                QueueCommit(QueueAck(order: id, executor: 3, epoch: epoch, lease: lease, outcome: QueueAck.committed)),
                trace: id)
        }
        record(
            "executor-3", ExecutorCommit(order: id, epoch: epoch, lease: lease, outcome: QueueAck.committed), trace: id)
        if number % 50 == 0 {
            for follower in ["executor-1", "executor-2"] {
                call("executor-3", follower, "bully", trace: nil) { _ in }
            }
        }
    }
}
