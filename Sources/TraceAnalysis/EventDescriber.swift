import TraceFormat

/// Short, human descriptions of events for explanations and timelines.
public enum EventDescriber {
    /// `4f1c5a2b…` for long ids; short ids unchanged.
    public static func shortID(_ id: String, length: Int = 8) -> String {
        id.count > length + 1 ? String(id.prefix(length)) + "…" : id
    }

    static func string(_ event: TraceEvent, _ key: String) -> String? { event.data[key]?.stringValue }

    static func int(_ event: TraceEvent, _ key: String) -> Int64? { event.data[key]?.intValue }

    /// One line without node, seq or clock: `dequeue order 4f1c5a2b… lease 74 epoch 2.2`.
    public static func summary(_ event: TraceEvent) -> String {
        let data = event.data
        func field(_ key: String) -> String {
            guard let value = data[key] else { return "?" }
            switch value {
            case .string(let text): return text
            case .int(let number): return String(number)
            case .bool(let flag): return String(flag)
            case .double(let number): return String(number)
            default: return "…"
            }
        }
        let order = string(event, "order").map { "order \(shortID($0))" } ?? ""
        let msg = string(event, "msg").map { " msg \($0)" } ?? ""
        switch event.kind.rawValue {
        case "rpc.send": return "send \(field("method"))\(msg) to \(field("peer"))"
        case "rpc.receive":
            return "receive \(field("method"))\(msg)" + (data["peer"] != nil ? " from \(field("peer"))" : "")
        case "rpc.reply.send": return "reply \(field("method")) \(field("status"))\(msg)"
        case "rpc.reply.receive":
            return "reply-receive \(field("method")) \(field("status"))\(msg) from \(field("peer"))"
        case "rpc.failure": return "failure \(field("method")) \(field("status"))\(msg) to \(field("peer"))"
        case "order.decision": return "decision \(order) \(field("status"))"
        case "queue.enqueue": return "enqueue \(order)" + (data["duplicate"]?.boolValue == true ? " (duplicate)" : "")
        case "queue.lease":
            return "lease \(order) to executor-\(field("executor")) lease \(field("lease")) epoch \(field("epoch"))"
                + " delivery \(field("delivery"))" + (data["renewed"]?.boolValue == true ? " (renewed)" : "")
        case "queue.commit":
            return "commit \(order) by executor-\(field("executor")) lease \(field("lease")) epoch \(field("epoch"))"
        case "queue.ack.refused": return "ack refused \(order) lease \(field("lease")): \(field("outcome"))"
        case "queue.lease.expired": return "lease \(field("lease")) expired \(order)"
        case "queue.lease.revoked": return "lease \(field("lease")) revoked \(order) by epoch \(field("by"))"
        case "queue.fenced": return "fenced \(field("operation")) epoch \(field("epoch")) < \(field("current"))"
        case "executor.dequeue":
            return "dequeue \(order) lease \(field("lease")) epoch \(field("epoch"))"
        case "executor.commit":
            return "execute \(order) lease \(field("lease")) epoch \(field("epoch")): \(field("outcome"))"
        case "election.start": return "election start (\(field("reason")))"
        case "election.send": return "election send \(field("type")) to executor-\(field("to")) epoch \(field("epoch"))"
        case "election.receive":
            return "election receive \(field("type")) from executor-\(field("from")) epoch \(field("epoch"))"
        case "election.leader":
            return data["self"]?.boolValue == true
                ? "leader: self, epoch \(field("epoch"))"
                : "leader: executor-\(field("leader")) epoch \(field("epoch"))"
        case "election.stepdown": return "step down from \(field("epoch")) (newer \(field("newer")))"
        case "heartbeat.timeout": return "heartbeat timeout: \(field("reason"))"
        case "span.start": return "span start \(field("name"))"
        case "span.end": return "span end \(field("name")) \(field("status"))"
        case "log": return "log \(field("level")): \(String(field("message").prefix(60)))"
        default: return event.kind.rawValue
        }
    }
}
