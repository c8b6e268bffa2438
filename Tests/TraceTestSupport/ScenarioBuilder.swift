import Causality
import Foundation
import TraceFormat

/// The one builder of synthetic runs (test support, not part of any shipped library): it builds event sequences
/// the way the recorders would: every event ticks, receives merge, seq counts, wall time advances `step` per
/// event. Deterministic, so renderers' output can be compared with golden files. The analyzer's scenarios, the
/// exporters' `SampleRun` and the benchmark's large `SyntheticRun` are all built with it.
public struct ScenarioBuilder {
    public var clocks: [String: VectorClock] = [:]
    public var sequences: [String: UInt64] = [:]
    public var pids: [String: Int32] = [:]
    public var messageCounters: [String: Int] = [:]
    public var now: Int64 = 1_800_000_000_000_000_000
    public var events: [TraceEvent] = []
    /// Wall time added before each event.
    public var step: Int64 = 1_000_000
    /// The span id of events that have a trace and no explicit context (nil: the trace id's first 16 digits).
    public var spanID: String? = "00f067aa0ba902b7"

    public init() {}

    /// A builder whose clock starts at `now` and advances `step` per event, with the given process ids.
    public init(now: Int64, step: Int64, pids: [String: Int32] = [:], spanID: String? = "00f067aa0ba902b7") {
        self.now = now
        self.step = step
        self.pids = pids
        self.spanID = spanID
    }

    /// Records one event of `node` and returns its index in `events`. `context` sets the trace, span and parent
    /// ids explicitly (otherwise `trace` and `spanID`).
    @discardableResult
    public mutating func record(
        _ node: String, _ kind: EventKind, merging remote: VectorClock? = nil, trace: String? = nil,
        context: TraceContext? = nil, _ data: [String: TraceValue] = [:]
    ) -> Int {
        var clock = clocks[node] ?? VectorClock()
        if let remote { clock.merge(remote) }
        clock.tick(node)
        clocks[node] = clock
        sequences[node, default: 0] += 1
        now += step
        let pid = pids[node] ?? Int32(1000 + (pids.count + 1) * 11)
        pids[node] = pid
        let traceID = context?.traceID ?? trace
        let span = context?.spanID ?? traceID.map { trace in spanID ?? String(trace.prefix(16)) }
        events.append(
            TraceEvent(
                wallTimeNanos: now, node: node, pid: pid, sequence: sequences[node]!, kind: kind, traceID: traceID,
                spanID: span, parentSpanID: context?.parentSpanID, clock: clock, data: data))
        return events.count - 1
    }

    /// Writes the events built so far into `directory`, one trace file per node, with `TraceFileWriter`.
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var writers: [String: TraceFileWriter] = [:]
        for event in events {
            if writers[event.node] == nil {
                writers[event.node] = try TraceFileWriter(
                    path: TraceSegments.path(node: event.node, segment: 0, directory: directory))
            }
            writers[event.node]!.append(event)
        }
        for writer in writers.values { writer.close() }
    }

    /// A whole RPC: send, receive, (handler events), reply send, reply receive. Returns the indexes.
    @discardableResult
    public mutating func call(
        _ client: String, _ server: String, _ method: String, trace: String? = nil,
        handler: (inout ScenarioBuilder) -> Void = { _ in }
    ) -> (send: Int, receive: Int, replySend: Int, replyReceive: Int) {
        messageCounters[client, default: 0] += 1
        let msg = "\(client)-\(pids[client] ?? 0)-\(messageCounters[client]!)"
        let send = record(
            client, .rpcSend, trace: trace,
            [
                "msg": .string(msg), "peer": .string(server),
                "method": .string(method),
            ])
        let receive = record(
            server, .rpcReceive, merging: events[send].clock, trace: trace,
            ["msg": .string(msg), "peer": .string(client), "method": .string(method)])
        handler(&self)
        let replySend = record(
            server, .rpcReplySend, trace: trace,
            [
                "msg": .string(msg), "peer": .string(client),
                "method": .string(method), "status": "ok", "http_status": 200, "duration_ns": 500_000,
            ])
        let replyReceive = record(
            client, .rpcReplyReceive, merging: events[replySend].clock, trace: trace,
            [
                "msg": .string(msg), "peer": .string(server), "method": .string(method), "status": "ok",
                "http_status": 200, "duration_ns": 900_000,
            ])
        return (send, receive, replySend, replyReceive)
    }

    /// One approved order through orchestrator → queue → leader executor.
    public mutating func order(_ id: String, executor: String, epoch: String, lease: Int64, delivery: Int64 = 1) {
        approve(id)
        execute(id, executor: executor, epoch: epoch, lease: lease, delivery: delivery)
    }

    /// An order approved and stored in the queue, not executed.
    public mutating func approve(_ id: String) {
        record("orchestrator", .rpcReceive, trace: id, ["method": "POST /checkout"])
        call("orchestrator", "queue", "enqueue", trace: id) { builder in
            builder.record(
                "queue", EventKind("queue.enqueue"), trace: id, ["order": .string(id), "depth": 1, "duplicate": false])
        }
        record("orchestrator", EventKind("order.decision"), trace: id, ["order": .string(id), "status": "approved"])
        record("orchestrator", .rpcReplySend, trace: id, ["method": "POST /checkout", "status": "ok"])
    }

    /// `executor` leases order `id` from the queue (a `lease` call answered with `queue.lease`).
    public mutating func lease(_ id: String, executor: String, epoch: String, lease: Int64, delivery: Int64 = 1) {
        let executorID = Int64(executor.split(separator: "-").last!)!
        let term = Int64(epoch.split(separator: ".").first!)!
        call(executor, "queue", "lease") { builder in
            builder.record(
                "queue", EventKind("queue.lease"),
                [
                    "order": .string(id), "executor": .int(executorID), "epoch": .string(epoch), "term": .int(term),
                    "lease": .int(lease), "delivery": .int(delivery), "expires_in_ms": 2000, "renewed": false,
                    "depth": 0,
                ])
        }
    }

    /// The leader leases, executes and acks an order already in the queue.
    public mutating func execute(_ id: String, executor: String, epoch: String, lease: Int64, delivery: Int64 = 1) {
        let executorID = Int64(executor.split(separator: "-").last!)!
        let term = Int64(epoch.split(separator: ".").first!)!
        self.lease(id, executor: executor, epoch: epoch, lease: lease, delivery: delivery)
        record(
            executor, EventKind("executor.dequeue"), trace: id,
            [
                "order": .string(id), "epoch": .string(epoch), "term": .int(term), "lease": .int(lease),
                "delivery": .int(delivery),
            ])
        call(executor, "queue", "ack", trace: id) { builder in
            builder.record(
                "queue", EventKind("queue.commit"), trace: id,
                [
                    "order": .string(id), "executor": .int(executorID), "epoch": .string(epoch), "term": .int(term),
                    "lease": .int(lease), "outcome": "committed",
                ])
        }
        record(
            executor, EventKind("executor.commit"), trace: id,
            [
                "order": .string(id), "epoch": .string(epoch), "term": .int(term), "lease": .int(lease),
                "outcome": "committed",
            ])
    }

    /// `leader` wins an election for `epoch` and tells `follower` (over a bully RPC).
    public mutating func elect(_ leader: String, epoch: String, follower: String, reason: String = "start") {
        let term = Int64(epoch.split(separator: ".").first!)!
        let leaderID = Int64(leader.split(separator: "-").last!)!
        record(leader, EventKind("election.start"), ["reason": .string(reason), "term": .int(term - 1)])
        record(
            leader, EventKind("election.leader"),
            [
                "leader": .int(leaderID), "epoch": .string(epoch), "term": .int(term), "self": true,
            ])
        record(
            leader, EventKind("election.send"),
            [
                "type": "coordinator", "to": .int(Int64(follower.split(separator: "-").last!)!),
                "epoch": .string(epoch),
            ])
        call(leader, follower, "bully") { builder in
            builder.record(
                follower, EventKind("election.receive"),
                [
                    "type": "coordinator", "from": .int(leaderID), "epoch": .string(epoch),
                ])
            builder.record(
                follower, EventKind("election.leader"),
                [
                    "leader": .int(leaderID), "epoch": .string(epoch), "term": .int(term), "self": false,
                ])
        }
    }

    /// A clean run with a failover: executor-2 leads (1.2) and executes two orders, then dies; executor-1 times
    /// out, takes over (2.1) and executes a third order. Health: executor-2's file is truncated (killed).
    public static func cleanFailover() -> (events: [TraceEvent], health: [FileHealth]) {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.order("0a1b2c3d4e5f60718293a4b5c6d7e8f9", executor: "executor-2", epoch: "1.2", lease: 1)
        builder.order("1b2c3d4e5f60718293a4b5c6d7e8f90a", executor: "executor-2", epoch: "1.2", lease: 2)
        builder.now += 1_500_000_000
        builder.record(
            "executor-1", EventKind("heartbeat.timeout"), ["leader": 2, "reason": "leader 2 silent for 200 ms"])
        builder.record("executor-1", EventKind("election.start"), ["reason": "leader 2 silent for 200 ms", "term": 1])
        builder.record(
            "executor-1", EventKind("election.leader"),
            [
                "leader": 1, "epoch": "2.1", "term": 2, "self": true,
            ])
        builder.order("2c3d4e5f60718293a4b5c6d7e8f90a1b", executor: "executor-1", epoch: "2.1", lease: 3)
        var killed = FileHealth(node: "executor-2", path: "executor-2.jsonl.gz")
        killed.truncated = true
        return (builder.events, [killed])
    }
}
