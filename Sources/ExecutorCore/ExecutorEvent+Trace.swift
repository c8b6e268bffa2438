import OrderQueueCore
import TraceModel

/// The trace form of an executor's events: kinds and `data` fields as docs/trace-format.md describes them. One
/// place for the real executor and the simulator (an adapter until the typed payloads of ClusterProtocol land).
extension ExecutorEvent {
    /// The event's kind and fields, and the order whose trace it belongs to (nil: no trace context); nil for
    /// `ignoredFencing`, which is a log line.
    public var trace: (kind: EventKind, data: [String: TraceValue], order: QueuedOrder?)? {
        switch self {
        case .electionReceived(let message, let from):
            return (
                EventKind("election.receive"),
                ["type": .string(message.name), "from": .int(Int64(from)), "epoch": .string("\(message.epoch)")], nil
            )
        case .electionSent(let message, let to):
            return (
                EventKind("election.send"),
                ["type": .string(message.name), "to": .int(Int64(to)), "epoch": .string("\(message.epoch)")], nil
            )
        case .heartbeatTimeout(let leader, let silent):
            let ms = silent / 1_000_000
            return (
                EventKind("heartbeat.timeout"),
                [
                    "leader": .int(Int64(leader ?? 0)), "silent_ms": .int(Int64(clamping: ms)),
                    "reason": .string("\(leader.map { "leader \($0)" } ?? "no leader") silent for \(ms) ms"),
                ], nil
            )
        case .electionStarted(let reason, let term):
            return (EventKind("election.start"), ["reason": .string(reason), "term": .int(Int64(clamping: term))], nil)
        case .leader(let epoch, let leading):
            return (
                EventKind("election.leader"),
                [
                    "leader": .int(Int64(epoch.leader)), "epoch": .string("\(epoch)"),
                    "term": .int(Int64(clamping: epoch.term)), "self": .bool(leading),
                ], nil
            )
        case .steppedDown(let from, let newer):
            return (EventKind("election.stepdown"), ["epoch": .string("\(from)"), "newer": .string("\(newer)")], nil)
        case .dequeued(let held):
            var data = Self.orderData(held)
            data["delivery"] = .int(Int64(held.lease.delivery))
            data["slot"] = .int(Int64(held.lease.slot))
            return (EventKind("executor.dequeue"), data, held.order)
        case .acknowledged(let held, let outcome):
            var data = Self.orderData(held)
            data["outcome"] = .string(outcome.rawValue)
            return (EventKind("executor.commit"), data, held.order)
        case .ignoredFencing:
            return nil
        }
    }

    private static func orderData(_ held: HeldOrder) -> [String: TraceValue] {
        [
            "order": .string(held.order.orderId), "epoch": .string("\(held.epoch)"),
            "term": .int(Int64(clamping: held.epoch.term)), "lease": .int(Int64(clamping: held.lease.id)),
        ]
    }
}
