import Causality
import ClusterProtocol
import Election
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

    /// Records one event of `node` carrying `payload` (its kind and `data` come from the payload's encoder, so a
    /// field renamed at the writers breaks the builder's build too) and returns its index in `events`. `context`
    /// sets the trace, span and parent ids explicitly (otherwise `trace` and `spanID`).
    @discardableResult
    public mutating func record<P: TraceEventPayload>(
        _ node: String, _ payload: P, merging remote: VectorClock? = nil, trace: String? = nil,
        context: TraceContext? = nil
    ) -> Int {
        append(node, kind: P.kind, merging: remote, trace: trace, context: context, data: payload.encoded())
    }

    /// Escape hatch for tests that deliberately write an event no payload describes: a malformed `data` for a
    /// known kind, or an unknown kind. Everything else goes through `record(_:_:…)` and its typed payload.
    @discardableResult
    public mutating func rawEvent(
        _ node: String, kind: EventKind, merging remote: VectorClock? = nil, trace: String? = nil,
        context: TraceContext? = nil, data: [String: TraceValue]
    ) -> Int {
        append(node, kind: kind, merging: remote, trace: trace, context: context, data: data)
    }

    private mutating func append(
        _ node: String, kind: EventKind, merging remote: VectorClock?, trace: String?, context: TraceContext?,
        data: [String: TraceValue]
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
        let send = record(client, RPCSend(msg: msg, peer: server, method: method), trace: trace)
        let receive = record(
            server, RPCReceive(msg: msg, peer: client, method: method), merging: events[send].clock, trace: trace)
        handler(&self)
        let replySend = record(
            server,
            RPCReplySend(
                msg: msg, peer: client, method: method, status: "ok", httpStatus: 200, durationNanos: 500_000),
            trace: trace)
        let replyReceive = record(
            client,
            RPCReplyReceive(
                msg: msg, peer: server, method: method, status: "ok", httpStatus: 200, durationNanos: 900_000),
            merging: events[replySend].clock, trace: trace)
        return (send, receive, replySend, replyReceive)
    }

    /// One approved order through orchestrator → queue → leader executor.
    public mutating func order(_ id: String, executor: String, epoch: String, lease: Int64, delivery: Int64 = 1) {
        approve(id)
        execute(id, executor: executor, epoch: epoch, lease: lease, delivery: delivery)
    }

    /// An order approved and stored in the queue, not executed.
    public mutating func approve(_ id: String) {
        record("orchestrator", RPCReceive(msg: nil, peer: nil, method: "POST /checkout"), trace: id)
        call("orchestrator", "queue", "enqueue", trace: id) { builder in
            builder.record(
                "queue", QueueEnqueue(order: id, priority: nil, depth: 1, duplicate: false), trace: id)
        }
        record(
            "orchestrator", OrderDecision(order: id, status: "approved", reasons: nil, fraudScore: nil), trace: id)
        record(
            "orchestrator",
            RPCReplySend(
                msg: nil, peer: nil, method: "POST /checkout", status: "ok", httpStatus: nil, durationNanos: nil),
            trace: id)
    }

    /// `executor` leases order `id` from the queue (a `lease` call answered with `queue.lease`).
    public mutating func lease(_ id: String, executor: String, epoch: String, lease: Int64, delivery: Int64 = 1) {
        let executorID = Self.executorID(executor)
        call(executor, "queue", "lease") { builder in
            builder.record(
                "queue",
                QueueLease(
                    order: id, executor: executorID, epoch: Self.epoch(epoch), lease: UInt64(lease),
                    delivery: Int(delivery), slot: nil, expiresInMs: 2000, renewed: false, depth: 0))
        }
    }

    /// The leader leases, executes and acks an order already in the queue.
    public mutating func execute(_ id: String, executor: String, epoch: String, lease: Int64, delivery: Int64 = 1) {
        let executorID = Self.executorID(executor)
        let epoch = Self.epoch(epoch)
        self.lease(id, executor: executor, epoch: epoch.description, lease: lease, delivery: delivery)
        record(
            executor,
            ExecutorDequeue(order: id, epoch: epoch, lease: UInt64(lease), delivery: Int(delivery), slot: nil),
            trace: id)
        call(executor, "queue", "ack", trace: id) { builder in
            builder.record(
                "queue",
                QueueCommit(
                    QueueAck(
                        order: id, executor: executorID, epoch: epoch, lease: UInt64(lease),
                        outcome: QueueAck.committed)),
                trace: id)
        }
        record(
            executor, ExecutorCommit(order: id, epoch: epoch, lease: UInt64(lease), outcome: QueueAck.committed),
            trace: id)
    }

    /// `leader` wins an election for `epoch` and tells `follower` (over a bully RPC).
    public mutating func elect(_ leader: String, epoch: String, follower: String, reason: String = "start") {
        let epoch = Self.epoch(epoch)
        let leaderID = Self.executorID(leader)
        record(leader, ElectionStart(reason: reason, term: epoch.term - 1))
        record(leader, ElectionLeader(leader: leaderID, epoch: epoch, isSelf: true))
        record(
            leader,
            ElectionSend(ElectionMessage(type: "coordinator", peer: Self.executorID(follower), epoch: epoch)))
        call(leader, follower, "bully") { builder in
            builder.record(
                follower, ElectionReceive(ElectionMessage(type: "coordinator", peer: leaderID, epoch: epoch)))
            builder.record(follower, ElectionLeader(leader: leaderID, epoch: epoch, isSelf: false))
        }
    }

    /// The epoch written `term.leader` (a test's literal: traps when it is not one).
    public static func epoch(_ text: String) -> Epoch {
        guard let epoch = Epoch(text) else { preconditionFailure("not an epoch: \(text)") }
        return epoch
    }

    /// The executor id of a node named `executor-<id>`.
    public static func executorID(_ node: String) -> Int { Int(node.split(separator: "-").last!)! }

    /// A clean run with a failover: executor-2 leads (1.2) and executes two orders, then dies; executor-1 times
    /// out, takes over (2.1) and executes a third order. Health: executor-2's file is truncated (killed).
    public static func cleanFailover() -> (events: [TraceEvent], health: [FileHealth]) {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.order("0a1b2c3d4e5f60718293a4b5c6d7e8f9", executor: "executor-2", epoch: "1.2", lease: 1)
        builder.order("1b2c3d4e5f60718293a4b5c6d7e8f90a", executor: "executor-2", epoch: "1.2", lease: 2)
        builder.now += 1_500_000_000
        let silent = "leader 2 silent for 200 ms"
        builder.record("executor-1", HeartbeatTimeout(leader: 2, silentMs: nil, reason: silent))
        builder.record("executor-1", ElectionStart(reason: silent, term: 1))
        builder.record("executor-1", ElectionLeader(leader: 1, epoch: Epoch(term: 2, leader: 1), isSelf: true))
        builder.order("2c3d4e5f60718293a4b5c6d7e8f90a1b", executor: "executor-1", epoch: "2.1", lease: 3)
        var killed = FileHealth(node: "executor-2", path: "executor-2.jsonl.gz")
        killed.truncated = true
        return (builder.events, [killed])
    }
}
