import ClusterProtocol
import TraceFormat

/// Renders events as a text sequence diagram (Lamport diagram): one column per node, one row per event in a
/// causally consistent order, an arrow row for each message whose send and receive are both shown.
public struct TimelineRenderer {
    public var width: Int
    /// Runs of more than this many consecutive rows on one node without messages are elided.
    public var maximumRun: Int

    public init(width: Int = 120, maximumRun: Int = 8) {
        self.width = width
        self.maximumRun = maximumRun
    }

    enum Row {
        case event(RunEvent)
        case arrow(from: String, to: String, label: String)
        case elided(node: String, count: Int)
    }

    /// `events` must be in causal merge order (as `RunLoader` and `CausalMerge` deliver them).
    public func render(_ events: [RunEvent], title: String) -> String {
        guard let start = events.map(\.event.wallTimeNanos).min() else { return "\(title)\nno events\n" }
        var columns: [String] = []
        for event in events where !columns.contains(event.event.node) { columns.append(event.event.node) }
        let margin = 12
        let cell = max(8, min(26, (width - margin) / max(1, columns.count)))
        var rows = elide(withArrows(events))
        if rows.isEmpty { rows = [] }
        var lines = [TextLayout.fit(title, width), ""]
        lines.append(String(repeating: " ", count: margin) + columns.map { TextLayout.pad($0, cell) }.joined())
        for row in rows {
            var cells = columns.map { _ in TextLayout.pad("│", cell) }
            var time = ""
            switch row {
            case .event(let event):
                let index = columns.firstIndex(of: event.event.node)!
                let own = event.event.clock[event.event.node]
                cells[index] = TextLayout.pad("●\(own) \(Self.label(event.event))", cell)
                time = "+" + TextLayout.duration(event.event.wallTimeNanos - start)
            case .arrow(let from, let to, let label):
                let a = columns.firstIndex(of: from)!
                let b = columns.firstIndex(of: to)!
                let (low, high) = (min(a, b), max(a, b))
                var text = String(repeating: "─", count: (high - low) * cell - 1)
                let name = " \(label) "
                if name.count + 4 < text.count {
                    let offset = (text.count - name.count) / 2
                    let chars = Array(text)
                    text = String(chars[0..<offset]) + name + String(chars[(offset + name.count)...])
                }
                let arrow = a < b ? "├" + text.dropLast() + "▶" : "◀" + text.dropFirst() + "┤"
                let merged =
                    cells[0..<low].joined() + arrow
                    + (high < columns.count ? String(cells[high].dropFirst(1)) : "")
                    + cells[(min(high + 1, columns.count))...].joined()
                lines.append(TextLayout.fit(String(repeating: " ", count: margin) + merged, width))
                continue
            case .elided(let node, let count):
                let index = columns.firstIndex(of: node)!
                cells[index] = TextLayout.pad("⋮ \(count) more", cell)
            }
            let line = TextLayout.pad(time, margin - 1, right: true) + " " + cells.joined()
            lines.append(TextLayout.fit(line.trailingSpacesRemoved, width))
        }
        lines.append("")
        lines.append(
            "\(events.count) events on \(columns.count) nodes; ●n = the node's own clock entry; "
                + "times are wall-clock offsets from the first event shown")
        return lines.map(\.trailingSpacesRemoved).joined(separator: "\n") + "\n"
    }

    func withArrows(_ events: [RunEvent]) -> [Row] {
        var sends: [MessageKey: RunEvent] = [:]
        var rows: [Row] = []
        for event in events {
            let e = event.event
            let rpc = RPCEvent.decoded(e)
            let msg = rpc?.msg
            let peer = rpc?.peer
            if let msg, e.kind == .rpcSend || e.kind == .rpcReplySend {
                sends[MessageKey(sender: e.node, msg: msg, reply: e.kind == .rpcReplySend)] = event
            }
            if let msg, let peer, e.kind == .rpcReceive || e.kind == .rpcReplyReceive,
                sends[MessageKey(sender: peer, msg: msg, reply: e.kind == .rpcReplyReceive)] != nil
            {
                let method = rpc?.method ?? "?"
                rows.append(.arrow(from: peer, to: e.node, label: e.kind == .rpcReceive ? method : "\(method) reply"))
            }
            rows.append(.event(event))
        }
        return rows
    }

    /// Shortens runs of consecutive event rows of one node (no arrows in between) to head, count, tail.
    private func elide(_ rows: [Row]) -> [Row] {
        var result: [Row] = []
        var run: [Row] = []
        var runNode: String?
        func flush() {
            if run.count > maximumRun, let runNode {
                let keep = max(1, maximumRun / 2 - 1)
                result += run.prefix(keep)
                result.append(.elided(node: runNode, count: run.count - 2 * keep))
                result += run.suffix(keep)
            } else {
                result += run
            }
            run = []
            runNode = nil
        }
        for row in rows {
            if case .event(let event) = row {
                if runNode != event.event.node { flush() }
                runNode = event.event.node
                run.append(row)
            } else {
                flush()
                result.append(row)
            }
        }
        flush()
        return result
    }

    /// A very short label for a diagram cell.
    static func label(_ event: TraceEvent) -> String {
        if let rpc = RPCEvent.decoded(event) {
            switch rpc {
            case .send(let send): return "send \(send.method ?? "")"
            case .receive(let receive): return "recv \(receive.method ?? "")"
            case .replySend(let reply): return "reply \(reply.status ?? "")"
            case .replyReceive(let reply): return "got \(reply.status ?? "")"
            case .failure(let failure): return "FAIL \(failure.status ?? "")"
            }
        }
        switch (try? ProtocolEvent(event)) ?? nil {
        case .orderDecision(let decision): return decision.status ?? "decision"
        case .queueEnqueue: return "enqueue"
        case .queueLease(let lease): return "lease \(lease.lease.map(String.init) ?? "")"
        case .queueCommit: return "commit"
        case .queueAckRefused: return "refused"
        case .queueLeaseExpired: return "expired"
        case .queueLeaseRevoked: return "revoked"
        case .executorDequeue(let dequeue): return "dequeue \(dequeue.epoch?.description ?? "")"
        case .executorCommit(let commit): return "done \(commit.outcome ?? "")"
        default: return event.kind == .log ? "log" : event.kind.rawValue
        }
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
