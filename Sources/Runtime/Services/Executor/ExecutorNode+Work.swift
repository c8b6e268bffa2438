import ClusterProtocol
import Election
import ExecutorCore
import Foundation
import OrderQueueCore
import RPC
import TraceFormat

/// Carrying out the instance's directives: trace events, election messages, queue calls, timers; and the clean stop.
extension ExecutorNode {
    func apply(_ directives: [ExecutorDirective]) {
        for directive in directives {
            switch directive {
            case .send(let message, let to):
                send(BullyEnvelope(from: id, message: message), to: to)
            case .setTimer(let timer, let deadline):
                arm(timer, deadline: deadline)
            case .cancelTimer(let timer):
                disarm(timer)
            case .probeLeader(let leader, let number, let deadline):
                probe(leader, number: number, deadline: deadline)
            case .watchLeader(let leader, let epoch, let number, let hold, let deadline):
                watch(leader, epoch: epoch, number: number, hold: hold, deadline: deadline)
            case .record(let event):
                record(event)
            case .lease(let call, let params):
                lease(call, params)
            case .ack(let call, let params):
                ack(call, params)
            case .ackAndLease(let call, let held, let next):
                ack(call, held, next: next)
            case .release(let call, let params):
                release(call, params)
            case .drained:
                drained()
            }
        }
        publish()
    }

    /// Writes an event to the trace, with the metrics and log lines that go with it.
    private func record(_ event: ExecutorEvent) {
        switch event {
        case .heartbeatTimeout:
            metrics.counter("executor_heartbeat_timeouts_total").increment()
        case .electionStarted(let reason, _):
            metrics.counter("executor_elections_started_total").increment()
            logger.info("election started: \(reason)")
        case .leader(let epoch, let leading):
            metrics.counter("executor_leader_changes_total").increment()
            metrics.gauge("executor_epoch_term").record(Int64(clamping: epoch.term))
            metrics.gauge("executor_is_leader").record(leading ? 1 : 0)
            logger.info("leader is executor-\(epoch.leader) (epoch \(epoch))")
        case .steppedDown(let from, let newer):
            metrics.gauge("executor_is_leader").record(0)
            logger.notice("stepped down from epoch \(from): epoch \(newer) is newer")
        case .acknowledged(_, let outcome):
            if outcome == .committed { metrics.counter("executor_orders_committed_total").increment() }
        case .ackUnanswered(let held, let attempts, let reason):
            logger.warning(
                "gave up acknowledging an order: no ack got an answer",
                metadata: [
                    "order_id": .string(held.order.orderId), "lease": "\(held.lease.id)", "attempts": "\(attempts)",
                    "cause": .string(reason.rawValue),
                ])
        case .ignoredFencing(let epoch):
            logger.warning("ignored an out-of-range fencing epoch from the queue", metadata: ["epoch": "\(epoch)"])
        case .electionReceived, .electionSent, .dequeued:
            break
        }
        guard let trace = event.trace else { return }
        var lease: UInt64?
        if case .int(let number)? = trace.data["lease"] { lease = UInt64(exactly: number) }
        var data = trace.data
        if trace.kind == .executorDequeue, let lease, let span = leaseSpans.removeValue(forKey: lease) {
            // The queue's span that handed the lease out: the consumer span links to it (live and in files).
            data["lease_trace"] = .string(span.traceID)
            data["lease_span"] = .string(span.spanID)
        }
        recorder.record(
            trace.kind, context: trace.order.map { Self.trace(of: $0, lease: lease, node: recorder.node) },
            data: data)
    }

    /// At most this many lease spans wait for their `executor.dequeue` (renewed leases never get one).
    static let maximumLeaseSpans = 256

    /// The trace of an order's execution: the checkout's trace id from the ticket when it is one. The span id is
    /// derived from the order, the lease and the node, so that `executor.dequeue`, the ack call and
    /// `executor.commit` of one lease form one span (the consumer span of the OTLP export). Its parent is the
    /// ticket's `parentSpanId` (the orchestrator's enqueue call) when that is a valid span id of the ticket's
    /// trace, so that the order's trace has one root, live as in the file export.
    static func trace(of order: QueuedOrder, lease: UInt64?, node: String) -> TraceContext {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, 64 bits
        for byte in "\(order.orderId)|\(lease ?? 0)|\(node)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(hash | 1, radix: 16)
        let span = String(repeating: "0", count: 16 - hex.count) + hex
        if let traceId = order.ticket.traceId, let parsed = TraceContext(traceparent: "00-\(traceId)-\(span)-01") {
            let parent = order.ticket.parentSpanId.flatMap { QueueBounds.isSpanID($0) ? $0 : nil }
            return TraceContext(traceID: parsed.traceID, spanID: span, parentSpanID: parent)
        }
        if let parsed = TraceContext(traceparent: "00-\(order.orderId)-\(span)-01") {
            return TraceContext(traceID: parsed.traceID, spanID: span)
        }
        return TraceContext.newTrace()
    }

    // MARK: Election messages

    /// Queues an election message for its peer's send thread, which makes the call (fire and forget: a lost message
    /// is what the election's timers are for; the call has the peer client's deadline).
    private func send(_ envelope: BullyEnvelope, to peer: Int) {
        guard let outbox = outboxes[peer], let client = peerClients[peer] else { return }
        outbox.submit { _ = try? client.call(ExecutorRPC.bully, envelope) }
    }

    // MARK: Clean stop

    /// Stops cleanly: takes no new leases, lets the orders in flight finish and be acknowledged (waiting at most
    /// `leaseMs`), gives back any still running, then stops work and timers.
    public func stop() async {
        guard !stopped else { return }
        await withCheckedContinuation { continuation in
            drainWaiters.append(continuation)
            apply(instance.onDrain(now: monotonic()))
        }
    }

    private func drained() {
        stopped = true
        cancelEverything()
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters.removeAll()
    }
}
