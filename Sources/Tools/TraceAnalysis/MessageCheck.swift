import Causality
import TraceFormat

/// Identifies one message (§4.3): its id, its sender and receiver, and whether it is a reply.
struct MessageKey: Hashable {
    let sender: String
    /// Empty where the receiver is implied (the timeline of one order).
    let receiver: String
    let msg: String
    let reply: Bool
    /// The fields' hash, computed once: a key is looked up in several tables.
    private let fieldsHash: Int

    init(sender: String, receiver: String = "", msg: String, reply: Bool) {
        self.sender = sender
        self.receiver = receiver
        self.msg = msg
        self.reply = reply
        var hasher = Hasher()
        hasher.combine(sender)
        hasher.combine(receiver)
        hasher.combine(msg)
        hasher.combine(reply)
        fieldsHash = hasher.finalize()
    }

    static func == (lhs: MessageKey, rhs: MessageKey) -> Bool {
        lhs.fieldsHash == rhs.fieldsHash && lhs.reply == rhs.reply && lhs.msg == rhs.msg && lhs.sender == rhs.sender
            && lhs.receiver == rhs.receiver
    }

    func hash(into hasher: inout Hasher) { hasher.combine(fieldsHash) }

    /// The message id of an RPC event, `?` when it has none.
    static func messageID(_ event: RunEvent) -> String { RPCEvent.decoded(event.event)?.msg ?? "?" }
}

/// Check 3: every receive matches exactly one send (by sender and message id), the send happened before it,
/// and the receive's clock is merge(previous clock, message clock) + tick.
final class MessageCheck: RunCheck {
    private var pending: [MessageKey: RunEvent] = [:]
    /// Earlier sends of a message id that was sent again before they were received (an ambiguous pair, reported).
    private var ambiguous: [MessageKey: [RunEvent]] = [:]
    private var orphans: [MessageKey: RunEvent] = [:]
    /// Pending requests whose call failed `unavailable`: counted as never delivered if nothing receives them.
    private var unavailable: Set<MessageKey> = []
    /// Hashes of recently matched messages, with the send's pid and seq, to recognise a second receive of the same
    /// message or a second send of its id (a 64-bit hash: a false match is astronomically unlikely, and keeping
    /// hashes keeps this cheap).
    private var recent: [Int: (pid: Int32, seq: UInt64)] = [:]
    private var recentOrder: [Int] = []
    private var recentStart = 0
    private static let recentWindow = 65_536
    /// Per node: seq of the last receive whose clock this check reported as wrong (for check 2's grouping).
    private var reportedReceives: [String: UInt64] = [:]
    weak var cycles: CycleCheck?
    weak var wallClock: WallClockCheck?

    init(options: CheckOptions) {
        super.init(
            number: 3, name: "receive-matches-send", title: "receives match sends and merge their clock",
            options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        let kind = event.kindCode
        guard kind.isRPCMessage else { return }
        guard let rpc = state.rpc(event) else { return }
        let node = event.envelope.node
        let msg = rpc.msg
        let peer = rpc.peer
        switch kind {
        case .rpcSend, .rpcReplySend:
            examined += 1
            guard let msg, let peer else { return }
            guard state.traced.contains(peer) else {
                info["sends to untraced nodes", default: 0] += 1
                return
            }
            let key = MessageKey(sender: node, receiver: peer, msg: msg, reply: kind == .rpcReplySend)
            if let receive = orphans.removeValue(forKey: key) {
                remember(key, send: event)
                if receive.compare(event) == .before {
                    cycles?.sendAfterReceive(send: event, receive: receive)
                } else {
                    matched(send: event, receive: receive, state)
                }
                return
            }
            // Replies repeat an id only when a request was received twice (reported there) or answered twice
            // (requests-end); a request id sent twice is an ambiguous pair (§4.3).
            guard let earlier = pending.updateValue(event, forKey: key) else {
                if kind == .rpcSend, let earlier = recent[key.hashValue] { report(reusedID(earlier, event, msg: msg)) }
                return
            }
            if kind == .rpcSend {
                report(reusedID(earlier, event, msg: msg))
                ambiguous[key, default: []].append(earlier)
            }
        case .rpcFailure:
            // A failed connection usually delivered nothing, but one reset after the request went out (the peer
            // killed while handling it) may have: the send stays matchable, like a timed-out one.
            if let msg, let peer, rpc.status == "unavailable" {
                let key = MessageKey(sender: node, receiver: peer, msg: msg, reply: false)
                if pending[key] != nil { unavailable.insert(key) }
            }
        default:
            examined += 1
            guard let msg, let peer else {
                info["receives without message id (external)", default: 0] += 1
                return
            }
            guard state.traced.contains(peer) else {
                info["receives from untraced nodes", default: 0] += 1
                return
            }
            let key = MessageKey(sender: peer, receiver: node, msg: msg, reply: kind == .rpcReplyReceive)
            if let send = takeSend(key, for: event) {
                remember(key, send: send)
                matched(send: send, receive: event, state)
            } else if recent[key.hashValue] != nil {
                var finding = builder(
                    "message \(msg) from \(peer) was received twice",
                    rule: "every receive matches exactly one send, and each send is received at most once")
                let label = finding.name(event)
                finding.step("\(label) receives message \(msg) from \(peer).")
                finding.step("However an earlier receive already matched the only send of \(msg) by \(peer).")
                report(finding.finding)
            } else {
                orphans[key] = event
            }
        }
    }

    /// The send a receive of `key` pairs with. Of several sends of one id, the first whose clock is below the
    /// receive's (comparing clocks resolves most ambiguous pairs, §4.3).
    private func takeSend(_ key: MessageKey, for receive: RunEvent) -> RunEvent? {
        guard var earlier = ambiguous[key] else {
            guard let send = pending.removeValue(forKey: key) else { return nil }
            unavailable.remove(key)
            return send
        }
        if let index = earlier.firstIndex(where: { $0.compare(receive) == .before }) {
            let send = earlier.remove(at: index)
            ambiguous[key] = earlier.isEmpty ? nil : earlier
            return send
        }
        // None of the earlier sends fits: the latest one (still pending) is the pair, and the earlier ones wait.
        guard let send = pending.removeValue(forKey: key) else { return nil }
        pending[key] = earlier.removeLast()
        ambiguous[key] = earlier.isEmpty ? nil : earlier
        return send
    }

    /// Two sends of one request id: the receiver cannot tell them apart.
    private func reusedID(_ earlier: RunEvent, _ send: RunEvent, msg: String) -> Finding {
        reusedID(earlier: (earlier.envelope.pid, earlier.envelope.sequence), earlierEvent: earlier, send, msg: msg)
    }

    private func reusedID(_ earlier: (pid: Int32, seq: UInt64), _ send: RunEvent, msg: String) -> Finding {
        reusedID(earlier: earlier, earlierEvent: nil, send, msg: msg)
    }

    private func reusedID(
        earlier: (pid: Int32, seq: UInt64), earlierEvent: RunEvent?, _ send: RunEvent, msg: String
    ) -> Finding {
        let node = send.envelope.node
        let peer = peerOf(send)
        let sameProcess = earlier.pid == send.envelope.pid && earlier.seq < send.envelope.sequence
        var finding = builder(
            "\(node) sent two messages with id \(msg) to \(peer)",
            rule: sameProcess
                ? "a message id names one message: sends and receives pair on (msg, sender, receiver), and an "
                    + "ambiguous pair is reported, not guessed (§4.3)"
                : "ids repeat across processes that reuse a pid: the pair is ambiguous (§4.3; a warning)",
            severity: sameProcess ? .violation : .warning)
        let first = earlierEvent.map { finding.name($0) } ?? "\(node)#\(earlier.seq) (pid \(earlier.pid))"
        let second = finding.name(send)
        finding.step(
            "\(first) and \(second) both send message \(msg) from \(node) to \(peer)"
                + (sameProcess
                    ? ", in the same process (pid \(send.envelope.pid), seq \(earlier.seq) then "
                        + "\(send.envelope.sequence))." : " (pid \(earlier.pid) then \(send.envelope.pid))."))
        if earlierEvent == nil { finding.step("\(first) was already received when \(second) reused its id.") }
        finding.step(
            "However a receive of \(msg) at \(peer) cannot tell which send it received: the pair is ambiguous. "
                + "The checker pairs each receive with a send whose clock is below its own.")
        return finding.finding
    }

    private func peerOf(_ send: RunEvent) -> String { RPCEvent.decoded(send.event)?.peer ?? "?" }

    private func remember(_ key: MessageKey, send: RunEvent) {
        let hash = key.hashValue
        guard recent.updateValue((send.envelope.pid, send.envelope.sequence), forKey: hash) == nil else { return }
        recentOrder.append(hash)
        if recentOrder.count - recentStart > Self.recentWindow {
            recent[recentOrder[recentStart]] = nil
            recentStart += 1
            if recentStart > Self.recentWindow {
                recentOrder.removeFirst(recentStart)
                recentStart = 0
            }
        }
    }

    /// The seq of `node`'s last receive reported with a wrong clock.
    func reportedReceive(of node: String) -> UInt64? { reportedReceives[node] }

    private func matched(send: RunEvent, receive: RunEvent, _ state: RunState) {
        wallClock?.pair(send: send, receive: receive)
        let node = receive.envelope.node
        let order = send.compare(receive)
        if order != .before {
            if order == .after || order == .equal {
                cycles?.cycle(send: send, receive: receive)
                return
            }
            var finding = builder(
                "\(node) received \(MessageKey.messageID(send)) without merging the sender's clock",
                rule: "a receive merges the message's clock: vc(send) < vc(receive) (§3.2)")
            let first = finding.name(send)
            let second = finding.name(receive)
            finding.step("\(first) → \(second) because \(second) receives the message \(first) sent.")
            finding.step("So vc(\(first)) < vc(\(second)) must hold.")
            finding.step("However " + entriesWhere(send.clock, exceeds: receive.clock, first, second) + ".")
            report(finding.finding)
            reportedReceives[node] = receive.envelope.sequence
            return
        }
        guard let previous = state.previous(of: receive), !state.startsIncarnation(receive),
            receive.envelope.sequence == previous.last.envelope.sequence + 1
        else { return }  // No exact predecessor: only vc(send) < vc(receive), checked above.
        if !previous.last.external && !send.external && !receive.external {
            let prior = previous.last.dense
            let sent = send.dense
            let received = receive.dense
            var exact = true
            for position in prior.indices {
                let merged = max(prior[position], sent[position]) + (position == receive.node ? 1 : 0)
                if merged != received[position] {
                    exact = false
                    break
                }
            }
            if exact { return }
        }
        let clock = receive.clock
        var expected = previous.last.clock.merged(with: send.clock)
        expected.tick(node)
        guard expected != clock else { return }
        var finding = builder(
            "\(node)'s receive clock is not merge(previous, message) + tick",
            rule: "receive rule: vc = merge(prev, vc(send)) + tick(receiver) (§3.4 rule 5)")
        let first = finding.name(send)
        let prior = finding.name(previous.last)
        let second = finding.name(receive)
        finding.step("\(first) → \(second) because \(second) receives the message \(first) sent.")
        finding.step("\(prior) is \(node)'s event just before \(second) (seq \(previous.last.envelope.sequence)).")
        finding.step("So vc(\(second)) must be merge(vc(\(prior)), vc(\(first))) + tick(\(node)) = \(expected).")
        let differences = Set(expected.entries.keys).union(clock.entries.keys).sorted()
            .filter { expected[$0] != clock[$0] }
            .map { "\($0) is \(clock[$0]), expected \(expected[$0])" }
        finding.step("However vc(\(second)) = \(clock): " + differences.joined(separator: "; ") + ".")
        report(finding.finding)
        reportedReceives[node] = receive.envelope.sequence
    }

    override func finish(_ state: RunState) {
        for key in orphans.keys.sorted(by: { ($0.sender, $0.msg) < ($1.sender, $1.msg) }) {
            let receive = orphans[key]!
            // Sent after the sender's last recorded event while it was stopping: recorded after its writer closed.
            let afterStop =
                state.stoppedAtEnd(key.sender) && receive.counter(key.sender) > state.recorded(key.sender)
            let lost = state.mayHaveLost(key.sender) || afterStop
            var finding = builder(
                "\(receive.envelope.node) received \(key.msg) but \(key.sender) has no matching send"
                    + (lost ? " (lost?)" : ""),
                rule: afterStop
                    ? "sent while the sender stopped, after its trace writer closed: the send was dropped (§1.6)"
                    : lost
                        ? "the sender's trace is incomplete: its send may be in the lost part"
                        : "every receive matches exactly one send (§4.3)",
                severity: lost ? .warning : .violation)
            let label = finding.name(receive)
            finding.step("\(label) receives message \(key.msg) from \(key.sender).")
            finding.step(
                "However \(key.sender)'s trace has no \(key.reply ? "rpc.reply.send" : "rpc.send") with msg \(key.msg)"
                    + (lost ? ", and that trace is truncated, damaged, restarted or has seq gaps." : "."))
            report(finding.finding)
        }
        let undelivered = unavailable.count
        if undelivered > 0 { info["requests never delivered (unavailable)", default: 0] += undelivered }
        let unreceived = pending.count - undelivered + ambiguous.values.reduce(0) { $0 + $1.count }
        if unreceived > 0 { info["sends never received", default: 0] += unreceived }
    }

    private func entriesWhere(_ left: VectorClock, exceeds right: VectorClock, _ l: String, _ r: String) -> String {
        left.sortedNodes.filter { left[$0] > right[$0] }
            .map { "entry \($0) is \(left[$0]) in \(l) but only \(right[$0]) in \(r)" }
            .joined(separator: "; ")
    }
}
