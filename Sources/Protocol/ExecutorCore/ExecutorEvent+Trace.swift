import ClusterProtocol
import OrderQueueCore
import TraceModel

/// The trace form of an executor's events: ClusterProtocol's typed payloads, so the real executor and the
/// simulator write the fields the analyzer decodes.
extension ExecutorEvent {
    /// The event's typed payload; nil for `ignoredFencing`, which is a log line.
    public var payload: (any TraceEventPayload)? {
        switch self {
        case .electionReceived(let message, let from):
            return ElectionReceive(ElectionMessage(type: message.name, peer: from, epoch: message.epoch))
        case .electionSent(let message, let to):
            return ElectionSend(ElectionMessage(type: message.name, peer: to, epoch: message.epoch))
        case .heartbeatTimeout(let leader, let silent):
            let ms = silent / 1_000_000
            return HeartbeatTimeout(
                leader: leader ?? 0, silentMs: Int64(clamping: ms),
                reason: "\(leader.map { "leader \($0)" } ?? "no leader") silent for \(ms) ms")
        case .electionStarted(let reason, let term):
            return ElectionStart(reason: reason, term: term)
        case .leader(let epoch, let leading):
            return ElectionLeader(leader: epoch.leader, epoch: epoch, isSelf: leading)
        case .steppedDown(let from, let newer):
            return ElectionStepDown(epoch: from, newer: newer)
        case .dequeued(let held):
            return ExecutorDequeue(
                order: held.order.orderId, epoch: held.epoch, lease: held.lease.id, delivery: held.lease.delivery,
                slot: held.lease.slot)
        case .acknowledged(let held, let outcome):
            return ExecutorCommit(
                order: held.order.orderId, epoch: held.epoch, lease: held.lease.id, outcome: outcome.rawValue)
        case .ackUnanswered(let held, _, _):
            return ExecutorCommit(
                order: held.order.orderId, epoch: held.epoch, lease: held.lease.id, outcome: ExecutorCommit.unanswered)
        case .ignoredFencing:
            return nil
        }
    }

    /// The order whose trace the event belongs to (nil: no trace context).
    public var order: QueuedOrder? {
        switch self {
        case .dequeued(let held), .acknowledged(let held, _), .ackUnanswered(let held, _, _): held.order
        default: nil
        }
    }

    /// The event's kind and `data` fields, and its order; nil for `ignoredFencing`.
    public var trace: (kind: EventKind, data: [String: TraceValue], order: QueuedOrder?)? {
        guard let payload else { return nil }
        return (type(of: payload).kind, payload.encoded(), order)
    }
}
