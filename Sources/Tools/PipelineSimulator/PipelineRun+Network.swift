import Causality
import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import OrderQueueCore
import TraceModel

/// The simulated network and RPC layer: the same rpc.* events, message ids and clock rules as `RPCClient` and the
/// request dispatcher. Requests can be delayed, dropped, duplicated (a client retry with a new message id) and
/// cut by a partition; replies can be delayed (sometimes past the caller's deadline), dropped, and cut in flight by
/// a partition, after the server acted (an ack's reply lost after the queue committed).
extension PipelineRun {
    func delay() -> UInt64 {
        if faulty && options.faults.delays && chance(0.05) {
            return random(2_000_000...options.faults.maximumDelayNanos)
        }
        return random(100_000...2_000_000)
    }

    /// A reply's delay: a request's, or now and then (`lateReplyRate`) up to `maximumReplyDelayNanos`, later than
    /// most callers' deadlines.
    func replyDelay() -> UInt64 {
        if faulty && options.faults.lateReplies && chance(lateReplyRate) {
            return random(options.faults.maximumDelayNanos...options.faults.maximumReplyDelayNanos)
        }
        return delay()
    }

    /// True when a message between `from` and `to` is cut by a partition.
    func cut(_ from: String, _ to: String) -> Bool {
        if !isolated.isEmpty && (isolated.contains(from) || isolated.contains(to)) { return true }
        guard !apart.isEmpty, apart.contains(from) || apart.contains(to) else { return false }
        return ElectionID.of(from) != nil && ElectionID.of(to) != nil
    }

    func incarnation(of node: String) -> Int {
        guard let id = ElectionID.of(node) else { return 0 }
        return executors[id]?.incarnation ?? 0
    }

    /// Sends a request from `node`; its outcome goes to `purpose` (or nowhere).
    func call(
        _ node: String, to peer: String, _ payload: RequestPayload, purpose: CallPurpose, deadline: UInt64,
        copyOf logical: String? = nil
    ) {
        let pid = recorders[node]!.pid
        messageNumbers[node, default: 0] += 1
        let msg = "\(node)-\(pid)-\(messageNumbers[node]!)"
        let method = payload.method
        let clock = record(node, RPCSend(msg: msg, peer: peer, method: method))
        pending[msg] = PendingCall(
            node: node, incarnation: incarnation(of: node), peer: peer, method: method, purpose: purpose,
            sentAt: scheduler.now, logical: logical ?? msg)
        copies[logical ?? msg, default: 0] += 1
        scheduler.schedule(.deadline(msg: msg), at: scheduler.now &+ deadline)
        let dropped = faulty && chance(dropRate)
        if !cut(node, peer) && !dropped {
            scheduler.schedule(
                .request(SimRequest(msg: msg, from: node, to: peer, payload: payload, clock: clock)),
                at: scheduler.now &+ delay())
        }
        if logical == nil && faulty && chance(duplicateRate) {
            call(node, to: peer, payload, purpose: purpose, deadline: deadline, copyOf: msg)
        }
    }

    /// A request arrives at its server.
    func serve(_ request: SimRequest) {
        let server = request.to
        // A partition that began while the request was in flight cuts it.
        guard !cut(request.from, server) else { return }
        if server == "queue" {
            guard queueUp else { return }
        } else if let id = ElectionID.of(server) {
            guard let executor = executors[id], executor.up else {
                // Nobody listens on a crashed process's port: the connection is refused (probes look for that;
                // fire-and-forget election messages ignore it).
                switch request.payload {
                case .status, .watch:
                    scheduler.schedule(.refused(msg: request.msg), at: scheduler.now &+ delay())
                default:
                    break
                }
                return
            }
            if let until = executor.pausedUntil, until > scheduler.now {
                scheduler.schedule(.request(request), at: until)
                return
            }
        }
        let method = request.payload.method
        record(server, RPCReceive(msg: request.msg, peer: request.from, method: method), merging: request.clock)
        var after: (() -> Void)?
        let payload: ReplyPayload
        switch request.payload {
        case .bully(let message, let from):
            payload = .empty
            if let id = ElectionID.of(server) { after = { self.onMessage(id, message, from: from) } }
        case .enqueue(let ticket, let priority):
            var records: [SimQueue.Record] = []
            _ = queue.enqueue(ticket, priority: priority, now: scheduler.now, records: &records)
            write(records)
            payload = .enqueued
        case .lease(let params):
            var records: [SimQueue.Record] = []
            let answer = queue.lease(params, now: scheduler.now, records: &records)
            write(records)
            if hold(request, params, answer: answer) { return }
            payload = .lease(answer)
        case .ack(let params):
            var records: [SimQueue.Record] = []
            payload = .ack(queue.ack(params, now: scheduler.now, records: &records))
            write(records)
        case .release(let params):
            var records: [SimQueue.Record] = []
            let answers = params.map { queue.release($0, now: scheduler.now, records: &records) }
            payload = .ack(SimAck(answer: answers.first ?? AckAnswer(outcome: .noLease)))
            write(records)
        case .status:
            let election = ElectionID.of(server).flatMap { executors[$0]?.instance.election }
            payload = .status(leading: election.flatMap { $0.isLeader ? $0.current : nil })
        case .watch(let params):
            guard let id = ElectionID.of(server), let executor = executors[id] else { return }
            if holdWatch(request, params, at: id) { return }
            let election = executor.instance.election
            payload = .status(leading: election.isLeader ? election.current : nil)
        }
        sendReply(to: request, payload)
        if server == "queue" { wakeHeldLeases() }
        after?()
    }

    /// The server answers `request` with `payload` (the reply may be dropped or delayed).
    func sendReply(to request: SimRequest, _ payload: ReplyPayload, durationNanos: Int64 = 50_000) {
        let method = request.payload.method
        let clock = record(
            request.to,
            RPCReplySend(
                msg: request.msg, peer: request.from, method: method, status: "ok", httpStatus: 200,
                durationNanos: durationNanos))
        let reply = SimReply(
            msg: request.msg, from: request.to, to: request.from, method: method, payload: payload, clock: clock,
            sentAt: scheduler.now)
        if !(faulty && chance(replyDropRate)) {
            scheduler.schedule(.reply(reply), at: scheduler.now &+ replyDelay())
        }
    }

    func write(_ records: [SimQueue.Record]) {
        for (kind, data, order) in records { record("queue", kind, trace: order, data) }
    }

    /// A reply arrives at its client.
    func receive(_ reply: SimReply) {
        // A partition that began while the reply was in flight cuts it (the caller's deadline fires).
        guard let call = pending[reply.msg], !cut(reply.from, reply.to) else { return }
        if let id = ElectionID.of(reply.to), let executor = executors[id] {
            guard executor.up, executor.incarnation == call.incarnation else { return }
            if let until = executor.pausedUntil, until > scheduler.now {
                scheduler.schedule(.reply(reply), at: until)
                return
            }
        }
        pending[reply.msg] = nil
        record(
            reply.to,
            RPCReplyReceive(
                msg: reply.msg, peer: reply.from, method: reply.method, status: "ok", httpStatus: 200,
                durationNanos: Int64(clamping: scheduler.now &- call.sentAt)),
            merging: reply.clock)
        outcome(call, reply.payload)
    }

    /// A call's deadline passed: the client records the failure (unless the reply came first).
    func expire(_ msg: String) {
        // A stopped caller's timeout runs out after it resumes.
        guard let call = failingCall(msg, whenResumed: { .deadline(msg: msg) }, after: Self.bullyDeadline) else {
            return
        }
        recordFailure(of: call, msg, status: "deadline_exceeded", reason: "deadline exceeded")
        outcome(call, nil)
    }

    /// The server refused the connection of call `msg` (its process is gone): the client fails at once.
    func refuse(_ msg: String) {
        guard let call = failingCall(msg, whenResumed: { .refused(msg: msg) }, after: 0) else { return }
        recordFailure(of: call, msg, status: "unavailable", reason: "connection refused")
        outcome(call, nil, refused: true)
    }

    /// Call `msg`, taken out of `pending`, when its caller can see it fail now; nil when there is no such call, when
    /// the caller's process is gone (the call is dropped), or when it is stopped (the failure is scheduled again for
    /// `delay` after it resumes).
    private func failingCall(
        _ msg: String, whenResumed event: () -> SimAction, after delay: UInt64
    ) -> PendingCall? {
        guard let call = pending[msg] else { return nil }
        if let id = ElectionID.of(call.node), let executor = executors[id] {
            guard executor.up, executor.incarnation == call.incarnation else {
                pending[msg] = nil
                return nil
            }
            if let until = executor.pausedUntil, until > scheduler.now {
                scheduler.schedule(event(), at: until &+ delay)
                return nil
            }
        }
        pending[msg] = nil
        return call
    }

    private func recordFailure(of call: PendingCall, _ msg: String, status: String, reason: String) {
        record(
            call.node,
            RPCFailure(
                msg: msg, peer: call.peer, method: call.method, status: status,
                error: "\(call.method) to \(call.peer): \(reason)",
                durationNanos: Int64(clamping: scheduler.now &- call.sentAt)))
    }

    private func outcome(_ call: PendingCall, _ payload: ReplyPayload?, refused: Bool = false) {
        copies[call.logical, default: 1] -= 1
        let last = copies[call.logical]! <= 0
        if last { copies[call.logical] = nil }
        guard !answered.contains(call.logical) else {
            if last { answered.remove(call.logical) }
            return
        }
        if payload != nil {
            if !last { answered.insert(call.logical) }
        } else if !last {
            return
        }
        switch call.purpose {
        case .ignored:
            return
        case .enqueue(let order):
            enqueueing.remove(order)
            if payload == nil {
                scheduler.schedule(.enqueue(order: order), at: scheduler.now &+ 50_000_000)
            } else if !decided.contains(order) {
                decided.insert(order)
                let id = orders[order].id
                record(
                    "orchestrator", OrderDecision(order: id, status: "approved", reasons: [], fraudScore: 0.1),
                    trace: id)
            }
        case .lease(let work):
            guard let id = ElectionID.of(call.node) else { return }
            if case .lease(let answer)? = payload {
                feed(id) { $0.onLeaseReply(work, answer, now: $1) }
            } else {
                feed(id) { $0.onLeaseFailed(work, now: $1) }
            }
        case .ack(let work):
            guard let id = ElectionID.of(call.node) else { return }
            if case .ack(let answer)? = payload {
                feed(id) {
                    $0.onAckReply(
                        work, answer.answer, more: answer.more, next: answer.next, nextMore: answer.nextMore, now: $1)
                }
            } else {
                feed(id) { $0.onAckFailed(work, now: $1) }
            }
        case .release(let work):
            guard let id = ElectionID.of(call.node) else { return }
            feed(id) { $0.onReleaseDone(work, now: $1) }
        case .probe(let probe):
            guard let id = ElectionID.of(call.node) else { return }
            let result: LeaderProbeResult
            if case .status(let leading)? = payload {
                result = .answered(leading: leading)
            } else {
                result = refused ? .refused : .timedOut
            }
            feed(id) { $0.onProbeResult(result, probe: probe, now: $1) }
        case .watch(let watch):
            guard let id = ElectionID.of(call.node) else { return }
            let result: LeaderWatchResult
            if case .status(let leading)? = payload {
                result = .answered(leading: leading)
            } else {
                result = refused ? .broken : .failed
            }
            feed(id) { $0.onWatchEnded(result, watch: watch, now: $1) }
        }
    }

    /// The orchestrator stores order `index` (again, until the queue answers), then records its approval.
    func enqueue(_ index: Int) {
        guard !decided.contains(index), !enqueueing.contains(index) else { return }
        enqueueing.insert(index)
        let order = orders[index]
        let ticket = OrderTicket(
            orderId: order.id, items: [], shippingMethod: "Standard", country: nil, traceId: order.id)
        call(
            "orchestrator", to: "queue", .enqueue(ticket, order.priority), purpose: .enqueue(order: index),
            deadline: 500_000_000)
    }
}

/// Executor ids from node names (`executor-3` → 3).
enum ElectionID {
    static func of(_ node: String) -> Int? {
        guard node.hasPrefix("executor-") else { return nil }
        return Int(node.dropFirst("executor-".count))
    }
}
