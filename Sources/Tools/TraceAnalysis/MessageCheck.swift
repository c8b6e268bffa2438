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
    /// What the check holds about one message key until its send and receive are paired (one table entry: one
    /// lookup per send or receive).
    private struct Slot {
        /// The send waiting for its receive.
        var pending: RunEvent?
        /// A receive whose send was not seen yet.
        var orphan: RunEvent?
        /// Earlier sends of the id, sent again before they were received (an ambiguous pair, reported).
        var ambiguous: [RunEvent] = []
        /// The pending request's call failed `unavailable`: counted as never delivered if nothing receives it.
        var unavailable = false

        var isEmpty: Bool { pending == nil && orphan == nil && ambiguous.isEmpty && !unavailable }
    }

    /// What a send did to its key's slot.
    private enum SendOutcome {
        /// It pairs with a receive met earlier.
        case pairsOrphan(RunEvent)
        /// It waits for its receive; `earlier`: a send of the key it replaced.
        case waits(earlier: RunEvent?)
    }

    private var slots = HashedTable<PairKey, Slot>()
    /// Recently matched keys, to recognise a second receive of a message or a second send of its id.
    private var recent = RecentMatches(window: 65_536)
    /// By node number: seq of the last receive whose clock this check reported as wrong (for check 2's grouping).
    private var reportedReceives: [Int: UInt64] = [:]
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
        guard let rpc = state.rpcMessage(event) else { return }
        switch kind {
        case .rpcSend, .rpcReplySend:
            examined += 1
            guard rpc.hasMsg, rpc.hasPeer else { return }
            let receiver = rpc.peerNumber(&state.numbers)
            guard state.isTraced(number: receiver) else {
                info["sends to untraced nodes", default: 0] += 1
                return
            }
            let key = PairKey(
                sender: state.numbers.number(of: event), receiver: receiver, msg: rpc.msgID, msgHash: rpc.msgHash,
                reply: kind == .rpcReplySend)
            sent(event, key: key, request: kind == .rpcSend, state)
        case .rpcFailure:
            // A failed connection usually delivered nothing, but one reset after the request went out (the peer
            // killed while handling it) may have: the send stays matchable, like a timed-out one.
            if rpc.hasMsg, rpc.hasPeer, rpc.unavailable {
                let key = PairKey(
                    sender: state.numbers.number(of: event), receiver: rpc.peerNumber(&state.numbers),
                    msg: rpc.msgID, msgHash: rpc.msgHash, reply: false)
                slots.modifyIfPresent(key, removingIf: { _ in false }) { slot in
                    if slot.pending != nil { slot.unavailable = true }
                }
            }
        default:
            examined += 1
            guard rpc.hasMsg, rpc.hasPeer else {
                info["receives without message id (external)", default: 0] += 1
                return
            }
            let sender = rpc.peerNumber(&state.numbers)
            guard state.isTraced(number: sender) else {
                info["receives from untraced nodes", default: 0] += 1
                return
            }
            let key = PairKey(
                sender: sender, receiver: state.numbers.number(of: event), msg: rpc.msgID, msgHash: rpc.msgHash,
                reply: kind == .rpcReplyReceive)
            received(event, key: key, rpc, state)
        }
    }

    private func sent(_ event: RunEvent, key: PairKey, request: Bool, _ state: RunState) {
        let outcome = slots.modify(key, default: { Slot() }, removingIf: \.isEmpty) { slot -> SendOutcome in
            if let receive = slot.orphan {
                slot.orphan = nil
                return .pairsOrphan(receive)
            }
            // Replies repeat an id only when a request was received twice (reported there) or answered twice
            // (requests-end); a request id sent twice is an ambiguous pair (§4.3).
            let earlier = slot.pending
            slot.pending = event
            if request, let earlier { slot.ambiguous.append(earlier) }
            return .waits(earlier: earlier)
        }
        switch outcome {
        case .pairsOrphan(let receive):
            recent.remember(key, pid: event.envelope.pid, seq: event.envelope.sequence)
            if receive.compare(event) == .before {
                cycles?.sendAfterReceive(send: event, receive: receive)
            } else {
                matched(send: event, receive: receive, state)
            }
        case .waits(let earlier):
            guard request else { return }
            if let earlier {
                report(reusedID(earlier, event, msg: key.msg.string))
            } else if let match = recent.match(key) {
                report(reusedID(match, event, msg: key.msg.string))
            }
        }
    }

    /// `rpc`: the receive's keys (its message id and peer are built as strings only for a finding).
    private func received(_ event: RunEvent, key: PairKey, _ rpc: RPCMessageKeys, _ state: RunState) {
        let send = slots.modifyIfPresent(key, removingIf: \.isEmpty) { Self.takeSend(&$0, for: event) } ?? nil
        if let send {
            recent.remember(key, pid: send.envelope.pid, seq: send.envelope.sequence)
            matched(send: send, receive: event, state)
        } else if recent.match(key) != nil {
            let (msg, peer) = (rpc.msg ?? "", rpc.peer ?? "")
            var finding = builder(
                "message \(msg) from \(peer) was received twice",
                rule: "every receive matches exactly one send, and each send is received at most once")
            let label = finding.name(event)
            finding.step("\(label) receives message \(msg) from \(peer).")
            finding.step("However an earlier receive already matched the only send of \(msg) by \(peer).")
            report(finding.finding)
        } else {
            slots.modify(key, default: { Slot() }, removingIf: { _ in false }) { $0.orphan = event }
        }
    }

    /// The send a receive of the slot's key pairs with. Of several sends of one id, the first whose clock is below
    /// the receive's (comparing clocks resolves most ambiguous pairs, §4.3).
    private static func takeSend(_ slot: inout Slot, for receive: RunEvent) -> RunEvent? {
        guard !slot.ambiguous.isEmpty else {
            guard let send = slot.pending else { return nil }
            slot.pending = nil
            slot.unavailable = false
            return send
        }
        if let index = slot.ambiguous.firstIndex(where: { $0.compare(receive) == .before }) {
            return slot.ambiguous.remove(at: index)
        }
        // None of the earlier sends fits: the latest one (still pending) is the pair, and the earlier ones wait.
        guard let send = slot.pending else { return nil }
        slot.pending = slot.ambiguous.removeLast()
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

    /// The seq of the last receive of node number `node` (`RunState.numbers`) reported with a wrong clock.
    func reportedReceive(of node: Int) -> UInt64? { reportedReceives[node] }

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
            reportedReceives[state.numbers.number(of: receive)] = receive.envelope.sequence
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
        reportedReceives[state.numbers.number(of: receive)] = receive.envelope.sequence
    }

    override func finish(_ state: RunState) {
        let numbers = state.numbers
        // By sender name and id; then receiver and kind, so that the order never depends on the table's.
        let sorted = slots.compactMap { key, slot in
            slot.orphan.map { (sender: numbers.name(Int(key.sender)), msg: key.msg.string, key: key, receive: $0) }
        }
        .sorted {
            ($0.sender, $0.msg, numbers.name(Int($0.key.receiver)), $0.key.reply ? 1 : 0)
                < ($1.sender, $1.msg, numbers.name(Int($1.key.receiver)), $1.key.reply ? 1 : 0)
        }
        for (sender, msg, key, receive) in sorted {
            // Sent after the sender's last recorded event while it was stopping: recorded after its writer closed.
            let afterStop =
                state.stoppedAtEnd(sender) && receive.counter(sender) > state.recorded(sender)
            let lost = state.mayHaveLost(sender) || afterStop
            var finding = builder(
                "\(receive.envelope.node) received \(msg) but \(sender) has no matching send"
                    + (lost ? " (lost?)" : ""),
                rule: afterStop
                    ? "sent while the sender stopped, after its trace writer closed: the send was dropped (§1.6)"
                    : lost
                        ? "the sender's trace is incomplete: its send may be in the lost part"
                        : "every receive matches exactly one send (§4.3)",
                severity: lost ? .warning : .violation)
            let label = finding.name(receive)
            finding.step("\(label) receives message \(msg) from \(sender).")
            finding.step(
                "However \(sender)'s trace has no \(key.reply ? "rpc.reply.send" : "rpc.send") with msg \(msg)"
                    + (lost ? ", and that trace is truncated, damaged, restarted or has seq gaps." : "."))
            report(finding.finding)
        }
        let undelivered = slots.values.reduce(0) { $0 + ($1.unavailable ? 1 : 0) }
        if undelivered > 0 { info["requests never delivered (unavailable)", default: 0] += undelivered }
        let pending = slots.values.reduce(0) { $0 + ($1.pending == nil ? 0 : 1) }
        let unreceived = pending - undelivered + slots.values.reduce(0) { $0 + $1.ambiguous.count }
        if unreceived > 0 { info["sends never received", default: 0] += unreceived }
    }

    private func entriesWhere(_ left: VectorClock, exceeds right: VectorClock, _ l: String, _ r: String) -> String {
        left.sortedNodes.filter { left[$0] > right[$0] }
            .map { "entry \($0) is \(left[$0]) in \(l) but only \(right[$0]) in \(r)" }
            .joined(separator: "; ")
    }
}
