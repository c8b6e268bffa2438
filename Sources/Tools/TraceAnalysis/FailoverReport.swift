import ClusterProtocol
import Election
import TraceFormat

/// Reconstructs every leader change of a run from its protocol events, in one streaming pass: the old
/// leader's last heartbeat and last sign of life, the followers' timeouts, the election messages, the claim with
/// its epoch, the followers adopting it, the new leader's first dequeue, and the orders in flight with their fate.
public final class FailoverAnalyzer {
    /// One leader change.
    public struct Change {
        public var claim: RunEvent
        public var epoch: String
        public var previousLeader: String?
        public var previousEpoch: String?
        /// Old leader's last heartbeat/election RPC sent, last event, last dequeue (before the claim).
        public var lastHeartbeat: RunEvent?
        public var lastSignOfLife: RunEvent?
        public var lastOldDequeue: RunEvent?
        /// Timeouts, election starts/messages, step-downs between the previous claim and this one.
        public var election: [RunEvent] = []
        /// `election.leader` events adopting this epoch on other nodes.
        public var adoptions: [RunEvent] = []
        public var firstDequeue: RunEvent?
        /// Order id → its in-flight event (old leader's open dequeue, or a lease revoked by this epoch).
        public var inFlight: [(order: String, event: RunEvent)] = []
        /// Order id → what happened to it afterwards.
        public var fates: [String: [RunEvent]] = [:]
    }

    public private(set) var changes: [Change] = []
    private var roundEvents: [RunEvent] = []
    private var lastBully: [String: RunEvent] = [:]
    private var lastEvent: [String: RunEvent] = [:]
    private var openDequeue: [String: RunEvent] = [:]
    private var lastDequeue: [String: RunEvent] = [:]
    private var leader: (node: String, epoch: String)?
    /// Orders being followed → indexes of the changes that follow them.
    private var watched: [String: [Int]] = [:]
    private static let maximumRound = 200

    public init() {}

    public func observe(_ event: RunEvent) {
        let e = event.event
        let kind = e.kind.rawValue
        let decoded = kind.hasPrefix("queue.") || kind.hasPrefix("executor.") ? (try? ProtocolEvent(e)) ?? nil : nil
        let order = decoded?.order
        if let order, let indexes = watched[order] {
            for index in indexes { changes[index].fates[order, default: []].append(event) }
            if case .executorCommit(let commit)? = decoded, commit.committed { watched[order] = nil }
        }
        followOldLeader(event)
        switch kind {
        case "rpc.send" where e.payload(RPCSend.self)?.method == "bully": lastBully[e.node] = event
        case "executor.dequeue":
            openDequeue[e.node] = event
            lastDequeue[e.node] = event
            for index in changes.indices.reversed() where changes[index].claim.event.node == e.node {
                if changes[index].firstDequeue == nil { changes[index].firstDequeue = event }
                break
            }
        case "executor.commit": openDequeue[e.node] = nil
        case "queue.lease.revoked":
            guard case .queueLeaseRevoked(let revoked)? = decoded, let by = revoked.by?.description else { break }
            if let order, let index = changes.lastIndex(where: { $0.epoch == by }) {
                changes[index].inFlight.append((order, event))
                watched[order, default: []].append(index)
            }
        case "heartbeat.timeout", "election.start", "election.send", "election.receive", "election.stepdown":
            let message = e.payload(ElectionSend.self)?.message ?? e.payload(ElectionReceive.self)?.message
            let announces =
                message != nil && leader != nil && message?.epoch?.description == leader!.epoch
                && ["coordinator", "answer"].contains(message?.type ?? "")
            if announces, !changes.isEmpty {
                // The current leader's announcement, not the start of a new round.
                if changes[changes.count - 1].adoptions.count < Self.maximumRound {
                    changes[changes.count - 1].adoptions.append(event)
                }
            } else if roundEvents.count < Self.maximumRound {
                roundEvents.append(event)
            }
        case "election.leader":
            let adopted = e.payload(ElectionLeader.self)
            let epoch = adopted?.epoch?.description ?? "?"
            if adopted?.isSelf == true {
                claim(event, epoch: epoch)
            } else if let index = changes.lastIndex(where: { $0.epoch == epoch }) {
                changes[index].adoptions.append(event)
            }
        default: break
        }
        lastEvent[e.node] = event
    }

    /// The old leader's events that do not know the claim yet are still "before the claim" for a post-mortem.
    private func followOldLeader(_ event: RunEvent) {
        let e = event.event
        for index in changes.indices.suffix(2) where changes[index].previousLeader == e.node {
            let claim = changes[index].claim.event
            guard e.clock[claim.node] < claim.clock[claim.node],
                changes[index].lastSignOfLife.map({ $0.event.pid == e.pid }) ?? true
            else { continue }
            changes[index].lastSignOfLife = event
            if e.payload(RPCSend.self)?.method == "bully" { changes[index].lastHeartbeat = event }
            if e.kind.rawValue == "executor.dequeue" { changes[index].lastOldDequeue = event }
        }
    }

    private func claim(_ event: RunEvent, epoch: String) {
        var change = Change(claim: event, epoch: epoch)
        if let leader {
            change.previousLeader = leader.node
            change.previousEpoch = leader.epoch
            change.lastHeartbeat = lastBully[leader.node]
            change.lastSignOfLife = lastEvent[leader.node]
            change.lastOldDequeue = lastDequeue[leader.node]
            if let open = openDequeue[leader.node], let order = open.event.payload(ExecutorDequeue.self)?.order {
                change.inFlight.append((order, open))
                watched[order, default: []].append(changes.count)
                openDequeue[leader.node] = nil
            }
        }
        change.election = roundEvents
        roundEvents = []
        changes.append(change)
        leader = (event.event.node, epoch)
    }

    /// The post-mortem as text (fits `width` columns).
    public func text(width: Int = 120, start: Int64? = nil) -> String {
        guard !changes.isEmpty else { return "no leader change in this run\n" }
        let origin = start ?? changes[0].claim.event.wallTimeNanos
        func at(_ event: RunEvent) -> String { "+" + TextLayout.duration(event.event.wallTimeNanos - origin) }
        func line(_ event: RunEvent) -> String {
            TextLayout.fit(
                "    " + TextLayout.pad(at(event), 11, right: true) + "  "
                    + TextLayout.pad("\(event.event.node)#\(event.event.sequence)", 18)
                    + EventDescriber.summary(event.event), width)
        }
        func gap(_ from: RunEvent?, _ to: RunEvent?) -> String? {
            guard let from, let to else { return nil }
            return TextLayout.duration(to.event.wallTimeNanos - from.event.wallTimeNanos)
        }
        var lines: [String] = []
        for (number, change) in changes.enumerated() {
            let heading =
                change.previousLeader.map { "\($0) (epoch \(change.previousEpoch ?? "?")) → " } ?? "initial: "
            var stale = ""
            if let previous = change.previousEpoch.flatMap({ Epoch($0) }), let epoch = Epoch(change.epoch),
                epoch < previous
            {
                stale = " — stale: lower than \(previous), so the queue fences it"
            }
            lines.append(
                "leader change \(number + 1): \(heading)\(change.claim.event.node) (epoch \(change.epoch))" + stale)
            if let old = change.lastHeartbeat {
                lines.append("  old leader's last heartbeat/election RPC")
                lines.append(line(old))
            }
            if let old = change.lastSignOfLife {
                lines.append("  old leader's last event before the claim")
                lines.append(line(old))
            }
            let timeouts = change.election.filter { $0.event.kind.rawValue == "heartbeat.timeout" }
            if !timeouts.isEmpty {
                lines.append("  followers' timeouts")
                lines += timeouts.map(line)
            }
            let messages = change.election.filter { $0.event.kind.rawValue != "heartbeat.timeout" }
            if !messages.isEmpty {
                lines.append("  election")
                lines += messages.prefix(12).map(line)
                if messages.count > 12 { lines.append("    … \(messages.count - 12) more election events") }
            }
            lines.append("  coordinator: \(change.claim.event.node) claims epoch \(change.epoch)")
            lines.append(line(change.claim))
            if !change.adoptions.isEmpty {
                lines.append("  announcement and adoption of epoch \(change.epoch)")
                lines += change.adoptions.prefix(10).map(line)
                if change.adoptions.count > 10 { lines.append("    … \(change.adoptions.count - 10) more") }
            }
            if let first = change.firstDequeue {
                lines.append("  new leader's first dequeue")
                lines.append(line(first))
            }
            if !change.inFlight.isEmpty {
                lines.append("  orders in flight and their fate")
                for (order, event) in change.inFlight {
                    let fate = change.fates[order] ?? []
                    let last = fate.last.map {
                        "\($0.event.node)#\($0.event.sequence) \(EventDescriber.summary($0.event))"
                    }
                    lines.append(
                        TextLayout.fit(
                            "    order \(EventDescriber.shortID(order)): \(EventDescriber.summary(event.event)) → "
                                + (last ?? "no later event"), width))
                    for step in fate.prefix(6) { lines.append("  " + line(step)) }
                    if fate.count > 6 { lines.append("      … \(fate.count - 6) more events") }
                }
            }
            lines.append("  durations")
            let firstTimeout = timeouts.first
            let firstStart = change.election.first { $0.event.kind.rawValue == "election.start" }
            let adopted = change.adoptions.last { $0.event.kind.rawValue == "election.leader" }
            let durations: [(String, String?)] = [
                ("old leader's last sign of life → first timeout", gap(change.lastSignOfLife, firstTimeout)),
                ("first timeout/election start → claim", gap(firstTimeout ?? firstStart, change.claim)),
                ("claim → last follower adopts", gap(change.claim, adopted)),
                ("claim → new leader's first dequeue", gap(change.claim, change.firstDequeue)),
                (
                    "old leader's last dequeue → new leader's first (no work done)",
                    gap(change.lastOldDequeue, change.firstDequeue)
                ),
            ]
            lines += durations.compactMap { name, value in value.map { "    \(name): \($0)" } }
            lines.append("")
        }
        return lines.map { TextLayout.fit($0, width) }.joined(separator: "\n") + "\n"
    }
}
