import TraceFormat

/// Check 9: every RPC request ends: a client call with a reply or a recorded failure, a served request with
/// a reply, a span with its end. Calls in flight when a process died are warnings.
final class RPCCompletionCheck: RunCheck {
    private enum Role: String {
        case call = "client call"
        case served = "served request"
        case span = "span"
    }
    private struct Key: Hashable {
        var role: String
        var id: String
    }

    private var open: [String: [Key: RunEvent]] = [:]

    init(options: CheckOptions) {
        super.init(
            number: 9, name: "requests-end", title: "every request gets a reply or an error; spans end",
            options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        let node = event.event.node
        let kind = event.event.kind
        if state.startsIncarnation(event), let pending = open.removeValue(forKey: node), !pending.isEmpty {
            died(node, pending, because: "process pid \(state.previous(node)!.last.event.pid) ended (restart)")
        }
        guard kind.rawValue.hasPrefix("rpc.") || kind == .spanStart || kind == .spanEnd else { return }
        examined += 1
        let msg = state.rpc(event)?.msg
        let span = event.event.spanID
        switch kind {
        case .rpcSend: if let msg { open[node, default: [:]][Key(role: Role.call.rawValue, id: msg)] = event }
        case .rpcReplyReceive, .rpcFailure:
            if let msg, open[node]?.removeValue(forKey: Key(role: Role.call.rawValue, id: msg)) == nil {
                info["replies without a recorded call", default: 0] += 1
            }
        case .rpcReceive:
            if let id = span ?? msg { open[node, default: [:]][Key(role: Role.served.rawValue, id: id)] = event }
        case .rpcReplySend:
            if let id = span ?? msg, open[node]?.removeValue(forKey: Key(role: Role.served.rawValue, id: id)) == nil {
                info["replies without a recorded request", default: 0] += 1
            }
        case .spanStart: if let span { open[node, default: [:]][Key(role: Role.span.rawValue, id: span)] = event }
        case .spanEnd: if let span { open[node]?[Key(role: Role.span.rawValue, id: span)] = nil }
        default: return
        }
    }

    private func died(_ node: String, _ pending: [Key: RunEvent], because reason: String) {
        let events = pending.values.sorted { $0.line < $1.line }
        var finding = builder(
            "\(events.count) request(s) of \(node) never ended: \(reason)",
            rule: "requests in flight die with their process (a warning: the trace ends there)",
            severity: .warning)
        let label = finding.name(events[0])
        finding.step("\(label) opened a request\(events.count > 1 ? " (the first of \(events.count))" : "").")
        finding.step("However no reply, failure or end follows in \(node)'s trace: \(reason).")
        report(finding.finding)
    }

    override func finish(_ state: RunState) {
        for node in open.keys.sorted() {
            guard let pending = open[node], !pending.isEmpty else { continue }
            if state.health[node].map({ $0.truncated || $0.corrupt || $0.unreadable != nil }) ?? false {
                died(node, pending, because: "the trace ends without a clean close (killed or still running)")
                continue
            }
            for event in pending.values.sorted(by: { $0.line < $1.line }) {
                let what = event.event.kind == .rpcSend ? "call" : event.event.kind == .spanStart ? "span" : "request"
                var finding = builder(
                    "\(node)'s \(what) never ended",
                    rule: "every RPC request has a reply or a recorded error/timeout; spans end")
                let label = finding.name(event)
                finding.step("\(label) opens a \(what).")
                finding.step(
                    "However \(node)'s trace is complete and records no "
                        + (what == "call"
                            ? "rpc.reply.receive or rpc.failure" : what == "span" ? "span.end" : "rpc.reply.send")
                        + " for it.")
                report(finding.finding)
            }
        }
    }
}
