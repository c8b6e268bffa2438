import ClusterProtocol
import TraceFormat

/// Short, human descriptions of events for explanations and timelines.
public enum EventDescriber {
    /// `4f1c5a2b…` for long ids; short ids unchanged.
    public static func shortID(_ id: String, length: Int = 8) -> String {
        id.count > length + 1 ? String(id.prefix(length)) + "…" : id
    }

    /// A field for a description: its value, or `?` when absent.
    private static func show(_ value: (any CustomStringConvertible)?) -> String { value.map { "\($0)" } ?? "?" }

    private static func order(_ id: String) -> String { "order \(shortID(id))" }

    /// One line without node, seq or clock: `dequeue order 4f1c5a2b… lease 74 epoch 2.2`. Events that do not
    /// decode (malformed, or of an unknown kind) are described by their kind.
    public static func summary(_ event: TraceEvent) -> String {
        if let rpc = RPCEvent.decoded(event) { return summary(rpc) }
        if let decoded = (try? ProtocolEvent(event)) ?? nil, let text = summary(decoded) { return text }
        switch event.kind {
        case .spanStart: if let span = event.payload(SpanStart.self) { return "span start \(span.name)" }
        case .spanEnd: if let span = event.payload(SpanEnd.self) { return "span end \(span.name) \(show(span.status))" }
        case .log:
            if let log = event.payload(LogRecord.self) { return "log \(show(log.level)): \(log.message.prefix(60))" }
        default: break
        }
        return event.kind.rawValue
    }

    private static func summary(_ rpc: RPCEvent) -> String {
        let msg = rpc.msg.map { " msg \($0)" } ?? ""
        let method = show(rpc.method)
        switch rpc {
        case .send(let send): return "send \(method)\(msg) to \(show(send.peer))"
        case .receive(let receive): return "receive \(method)\(msg)" + (receive.peer.map { " from \($0)" } ?? "")
        case .replySend(let reply): return "reply \(method) \(show(reply.status))\(msg)"
        case .replyReceive(let reply):
            return "reply-receive \(method) \(show(reply.status))\(msg) from \(show(reply.peer))"
        case .failure(let failure): return "failure \(method) \(show(failure.status))\(msg) to \(show(failure.peer))"
        }
    }

    private static func summary(_ event: ProtocolEvent) -> String? {
        switch event {
        case .orderDecision(let decision): return "decision \(order(decision.order)) \(show(decision.status))"
        case .queueEnqueue(let enqueue):
            return "enqueue \(order(enqueue.order))" + (enqueue.duplicate == true ? " (duplicate)" : "")
        case .queueLease(let lease):
            return "lease \(order(lease.order)) to executor-\(show(lease.executor)) lease \(show(lease.lease)) "
                + "epoch \(show(lease.epoch)) delivery \(show(lease.delivery))"
                + (lease.renewed == true ? " (renewed)" : "")
        case .queueCommit(let commit):
            let ack = commit.ack
            return "commit \(order(ack.order)) by executor-\(show(ack.executor)) lease \(show(ack.lease)) "
                + "epoch \(show(ack.epoch))"
        case .queueAckRefused(let refused):
            return
                "ack refused \(order(refused.ack.order)) lease \(show(refused.ack.lease)): \(show(refused.ack.outcome))"
        case .queueLeaseExpired(let expired):
            return "lease \(show(expired.end.lease)) expired \(order(expired.end.order))"
        case .queueLeaseRevoked(let revoked):
            return "lease \(show(revoked.end.lease)) revoked \(order(revoked.end.order)) by epoch \(show(revoked.by))"
        case .queueFenced(let fenced):
            return "fenced \(show(fenced.operation)) epoch \(show(fenced.epoch)) < \(show(fenced.current))"
        case .executorDequeue(let dequeue):
            return "dequeue \(order(dequeue.order)) lease \(show(dequeue.lease)) epoch \(show(dequeue.epoch))"
        case .executorCommit(let commit):
            return "execute \(order(commit.order)) lease \(show(commit.lease)) epoch \(show(commit.epoch)): "
                + show(commit.outcome)
        default: return electionSummary(event)
        }
    }

    private static func electionSummary(_ event: ProtocolEvent) -> String? {
        switch event {
        case .electionStart(let start): return "election start (\(show(start.reason)))"
        case .electionSend(let send):
            let message = send.message
            return "election send \(show(message.type)) to executor-\(show(message.peer)) epoch \(show(message.epoch))"
        case .electionReceive(let receive):
            let message = receive.message
            return "election receive \(show(message.type)) from executor-\(show(message.peer)) "
                + "epoch \(show(message.epoch))"
        case .electionLeader(let leader):
            return leader.isSelf == true
                ? "leader: self, epoch \(show(leader.epoch))"
                : "leader: executor-\(show(leader.leader)) epoch \(show(leader.epoch))"
        case .electionStepDown(let stepDown):
            return "step down from \(show(stepDown.epoch)) (newer \(show(stepDown.newer)))"
        case .heartbeatTimeout(let timeout): return "heartbeat timeout: \(show(timeout.reason))"
        default: return nil
        }
    }
}
