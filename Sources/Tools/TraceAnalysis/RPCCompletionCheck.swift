import TraceFormat

/// Check 9: every RPC request ends: a client call with a reply or a recorded failure, a served request with
/// a reply, a span with its end; and every reply answers a request the node recorded. Calls in flight when a process
/// died are warnings, and so is whatever the trace cannot show because it lost lines (damage, malformed lines): then
/// the missing half may be in the lost part.
final class RPCCompletionCheck: RunCheck {
    private enum Role: String {
        case call = "client call"
        case served = "served request"
        case span = "span"
    }
    /// A request by its role and id (message id or span id, inline: no string to retain), with the id's hash
    /// (`IDHash`, computed by the reader): hashing feeds the precomputed 64 bits, equality compares the ids.
    private struct Key: HashedKey {
        /// `Role`'s position.
        let role: UInt8
        let hash: UInt64
        let id: PackedID

        init(role: Role, id: PackedID, hash: UInt64) {
            self.role = role == .call ? 0 : role == .served ? 1 : 2
            self.id = id
            self.hash = hash
        }

        var hash64: UInt64 { hash ^ UInt64(role) &* 0x9e37_79b9_7f4a_7c15 }

        static func == (lhs: Key, rhs: Key) -> Bool { lhs.hash == rhs.hash && lhs.role == rhs.role && lhs.id == rhs.id }
    }

    /// By node number (`RunState.numbers`): the node's open requests.
    private var open: [HashedTable<Key, RunEvent>] = []
    /// Per node: replies (`rpc.reply.send`, `rpc.reply.receive`, `rpc.failure`) whose request or call the node's
    /// trace does not hold, judged at the end (with the files' health); the first few are kept, all are counted.
    private var unanswerable: [String: (events: [RunEvent], count: Int)] = [:]

    init(options: CheckOptions) {
        super.init(
            number: 9, name: "requests-end", title: "every request gets a reply or an error; spans end",
            options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        let kind = event.kindCode
        let starts = state.startsIncarnation(event)
        guard starts || kind.isRPC || kind == .spanStart || kind == .spanEnd else { return }
        let node = state.numbers.number(of: event)
        if node >= open.count { open.append(contentsOf: repeatElement(HashedTable(), count: node + 1 - open.count)) }
        if starts, !open[node].isEmpty {
            let pending = open[node]
            open[node] = HashedTable()
            died(
                event.envelope.node, pending,
                because: "process pid \(state.previous(of: event)!.last.envelope.pid) ended (restart)")
        }
        guard kind.isRPC || kind == .spanStart || kind == .spanEnd else { return }
        examined += 1
        let message = state.rpcMessage(event)
        /// The key of the request of `role` the event opens or ends: by span id when `bySpan` and it has one, else by
        /// message id.
        func key(_ role: Role, bySpan: Bool) -> Key? {
            if bySpan, event.hasSpan { return Key(role: role, id: event.spanKey, hash: event.spanHash) }
            guard let message, message.hasMsg else { return nil }
            return Key(role: role, id: message.msgID, hash: message.msgHash)
        }
        switch kind {
        case .rpcSend: if let key = key(.call, bySpan: false) { open[node].updateValue(event, forKey: key) }
        case .rpcReplyReceive, .rpcFailure:
            if let key = key(.call, bySpan: false), open[node].removeValue(forKey: key) == nil { withoutRequest(event) }
        case .rpcReceive:
            if let key = key(.served, bySpan: true) { open[node].updateValue(event, forKey: key) }
        case .rpcReplySend:
            if let key = key(.served, bySpan: true), open[node].removeValue(forKey: key) == nil {
                withoutRequest(event)
            }
        case .spanStart:
            if event.hasSpan, let key = key(.span, bySpan: true) { open[node].updateValue(event, forKey: key) }
        case .spanEnd: if event.hasSpan, let key = key(.span, bySpan: true) { open[node].removeValue(forKey: key) }
        default: return
        }
    }

    private func withoutRequest(_ event: RunEvent) {
        var entry = unanswerable[event.envelope.node] ?? ([], 0)
        entry.count += 1
        if entry.events.count < options.keptFindings { entry.events.append(event) }
        unanswerable[event.envelope.node] = entry
    }

    /// Why `node`'s trace may lack events (damage, malformed lines, a cut line), or nil.
    private func lostEvents(_ node: String, _ state: RunState) -> String? {
        if let health = state.health[node] {
            if health.corrupt || health.unreadable != nil { return "the trace is damaged" }
            if health.malformedCount > 0 { return "the trace has malformed lines (their events are not read)" }
            if health.droppedTailBytes > 0 { return "the trace lost a partial line" }
        }
        // A seq gap alone (a clean file) is not taken as losing the reply: check 1 warns about the gap, and a writer
        // drop needs a full queue (§1.6); a line deleted from a file looks the same, and must not pass silently.
        return nil
    }

    /// By line in the node's file (then seq and pid: segments restart the line count).
    private static func fileOrder(_ lhs: RunEvent, _ rhs: RunEvent) -> Bool {
        (lhs.line, lhs.envelope.sequence, lhs.envelope.pid) < (rhs.line, rhs.envelope.sequence, rhs.envelope.pid)
    }

    private func died(_ node: String, _ pending: HashedTable<Key, RunEvent>, because reason: String) {
        let events = pending.values.sorted(by: Self.fileOrder)
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
        let numbers = state.numbers
        let nodes = open.indices.filter { !open[$0].isEmpty }.map { (name: numbers.name($0), pending: open[$0]) }
        for (node, pending) in nodes.sorted(by: { $0.name < $1.name }) {
            if let lost = lostEvents(node, state) {
                died(node, pending, because: lost + ": the end may be in the lost part (unverifiable)")
                continue
            }
            if state.stoppedAtEnd(node) {
                died(
                    node, pending,
                    because: "the node was stopping: what it recorded after its trace closed is not written (§1.6)")
                continue
            }
            if state.health[node]?.truncated ?? false {
                died(node, pending, because: "the trace ends without a clean close (killed or still running)")
                continue
            }
            for event in pending.values.sorted(by: Self.fileOrder) {
                let what =
                    event.envelope.kind == .rpcSend ? "call" : event.envelope.kind == .spanStart ? "span" : "request"
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
        for node in unanswerable.keys.sorted() { repliesWithoutRequest(node, unanswerable[node]!, state) }
    }

    private func repliesWithoutRequest(_ node: String, _ replies: (events: [RunEvent], count: Int), _ state: RunState) {
        let lost = lostEvents(node, state)
        if lost != nil { info["replies whose request may be lost", default: 0] += replies.count }
        for event in replies.events {
            let server = event.envelope.kind == .rpcReplySend
            var finding = builder(
                server
                    ? "\(node) replied to a request it never received" + (lost == nil ? "" : " (lost?)")
                    : "\(node) got an answer to a call it never sent" + (lost == nil ? "" : " (lost?)"),
                rule: lost == nil
                    ? "a reply answers a request of the same process: rpc.receive precedes rpc.reply.send, "
                        + "rpc.send precedes rpc.reply.receive/rpc.failure (§4.2)"
                    : "the node's trace lost events: the request may be among them (a warning)",
                severity: lost == nil ? .violation : .warning)
            let label = finding.name(event)
            let id = state.rpc(event)?.msg.map { "msg \($0)" } ?? event.spanID.map { "span \($0)" } ?? "?"
            finding.step(
                "\(label) " + (server ? "sends the reply of \(id)" : "ends the call \(id)")
                    + ", so \(node)'s same process recorded its " + (server ? "rpc.receive" : "rpc.send") + " before.")
            finding.step(
                "However \(node)'s trace has no such "
                    + (server ? "rpc.receive" : "rpc.send") + " in pid \(event.envelope.pid)"
                    + (lost.map { ", and \($0)." } ?? ", and it lost no lines (no damage, no malformed line)."))
            report(finding.finding)
        }
        countOmitted(lost == nil ? .violation : .warning, replies.count - replies.events.count)
    }
}
