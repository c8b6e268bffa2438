import ClusterProtocol
import Election
import TraceFormat

/// Reconstructs every leader change of a run from its protocol events, in one streaming pass: the old
/// leader's last heartbeat and last sign of life, the followers' timeouts, the election messages, the claim with
/// its epoch, the followers adopting it, the new leader's first dequeue, and the orders in flight with their fate.
///
/// Processes, not node names, bound a leadership: the old leader's "last" events are those of the process that
/// claimed (a restarted old leader is another process). Election events are given to the round they belong to by
/// the epoch they carry: a message that knows only epochs below the current leader's is a late message of an
/// earlier round, not the start of the next one.
public final class FailoverAnalyzer {
    /// One leader change.
    public struct Change {
        public var claim: RunEvent
        public var epoch: String
        public var previousLeader: String?
        public var previousEpoch: String?
        /// The process (pid) of the previous leader that led `previousEpoch`.
        public var previousLeaderPID: Int32?
        /// Old leader's last heartbeat/election RPC sent, last event, last dequeue (before the claim).
        public var lastHeartbeat: RunEvent?
        public var lastSignOfLife: RunEvent?
        public var lastOldDequeue: RunEvent?
        /// Timeouts, election starts/messages, step-downs of the round that ended in this claim (in causal order).
        public var election: [RunEvent] = []
        /// `election.leader` events adopting this epoch on other nodes.
        public var adoptions: [RunEvent] = []
        public var firstDequeue: RunEvent?
        /// Order id → its in-flight event (old leader's open dequeue, or a lease revoked by this epoch).
        public var inFlight: [(order: String, event: RunEvent)] = []
        /// Order id → what happened to it afterwards.
        public var fates: [String: [RunEvent]] = [:]
    }

    /// One process of a node.
    private struct Process: Hashable {
        var node: String
        var pid: Int32
    }

    public private(set) var changes: [Change] = []
    /// The earliest wall time of any event seen (the origin of the `+…` times).
    public private(set) var earliestWallTime: Int64?
    private var roundEvents: [RunEvent] = []
    private var lastBully: [Process: RunEvent] = [:]
    private var lastEvent: [Process: RunEvent] = [:]
    private var openDequeue: [Process: RunEvent] = [:]
    private var lastDequeue: [Process: RunEvent] = [:]
    private var leader: (process: Process, epoch: String, value: Epoch?)?
    /// Orders being followed → indexes of the changes that follow them.
    private var watched: [String: [Int]] = [:]
    static let maximumRound = 200

    public init() {}

    public func observe(_ event: RunEvent) {
        let e = event.event
        let process = Process(node: e.node, pid: e.pid)
        earliestWallTime = min(earliestWallTime ?? e.wallTimeNanos, e.wallTimeNanos)
        let kind = e.kind.rawValue
        let decoded = kind.hasPrefix("queue.") || kind.hasPrefix("executor.") ? (try? ProtocolEvent(e)) ?? nil : nil
        let order = decoded?.order
        if let order, let indexes = watched[order] {
            for index in indexes { changes[index].fates[order, default: []].append(event) }
            if case .executorCommit(let commit)? = decoded, commit.committed { watched[order] = nil }
        }
        followOldLeader(event)
        switch kind {
        case "rpc.send" where e.payload(RPCSend.self)?.method == "bully": lastBully[process] = event
        case "executor.dequeue":
            openDequeue[process] = event
            lastDequeue[process] = event
            for index in changes.indices.reversed() where changes[index].claim.event.node == e.node {
                if changes[index].firstDequeue == nil { changes[index].firstDequeue = event }
                break
            }
        case "executor.commit": openDequeue[process] = nil
        case "queue.lease.revoked":
            guard case .queueLeaseRevoked(let revoked)? = decoded, let by = revoked.by?.description else { break }
            if let order, let index = changes.lastIndex(where: { $0.epoch == by }) {
                changes[index].inFlight.append((order, event))
                watched[order, default: []].append(index)
            }
        case "heartbeat.timeout", "election.start", "election.send", "election.receive", "election.stepdown":
            electionEvent(event)
        case "election.leader":
            let adopted = e.payload(ElectionLeader.self)
            let epoch = adopted?.epoch?.description ?? "?"
            if adopted?.isSelf == true {
                claim(event, epoch: epoch, value: adopted?.epoch)
            } else if let index = changes.lastIndex(where: { $0.epoch == epoch }) {
                changes[index].adoptions.append(event)
            }
        default: break
        }
        lastEvent[process] = event
    }

    /// Files an election event under the current leader's change (its announcement, or a late event of the round
    /// that elected it or an earlier one), or under the next round.
    private func electionEvent(_ event: RunEvent) {
        let e = event.event
        let message = e.payload(ElectionSend.self)?.message ?? e.payload(ElectionReceive.self)?.message
        if let message, message.type == "coordinator", let epoch = message.epoch?.description,
            let index = changes.lastIndex(where: { $0.epoch == epoch })
        {
            // A leader's announcement (however late it arrives) belongs to the change that made it leader. Answers
            // and election messages carry only what their sender knows, so they go by the rounds below.
            if changes[index].adoptions.count < Self.maximumRound { changes[index].adoptions.append(event) }
            return
        }
        if let index = earlierRound(of: event, message: message) {
            if changes[index].election.count < Self.maximumRound { changes[index].election.append(event) }
        } else if roundEvents.count < Self.maximumRound {
            roundEvents.append(event)
        }
    }

    /// The change whose round `event` belongs to when that round already ended in a claim; nil for the next round.
    private func earlierRound(of event: RunEvent, message: ElectionMessage?) -> Int? {
        guard let leader, let current = leader.value, !changes.isEmpty else { return nil }
        let e = event.event
        let known: UInt64?
        switch e.kind.rawValue {
        case "election.start": known = e.payload(ElectionStart.self)?.term
        case "election.stepdown":
            // The old leader leaving its epoch: part of the change away from it.
            guard let led = e.payload(ElectionStepDown.self)?.epoch, led < current else { return nil }
            return changes.lastIndex { Epoch($0.epoch).map { $0 > led } ?? false }
        case "heartbeat.timeout":
            // A timeout about a leader other than the current one, from a node that has not adopted it yet.
            let named = e.payload(HeartbeatTimeout.self)?.leader
            let previous = changes[changes.count - 1].previousLeader.flatMap(ElectionCheck.executorID)
            guard let named, named == previous, named != current.leader else { return nil }
            return changes.count - 1
        default:
            // Election messages carry the sender's highest known epoch; none yet (the first election) is term 0.
            guard let message else { return nil }
            known = message.epoch?.term ?? (message.type == "coordinator" ? nil : 0)
        }
        guard let known, known < current.term else { return nil }
        // The first change whose epoch is above what the event knew.
        return changes.firstIndex { Epoch($0.epoch).map { $0.term > known } ?? false }
    }

    /// The old leader's events that do not know the claim yet are still "before the claim" for a post-mortem:
    /// only those of the process that led.
    private func followOldLeader(_ event: RunEvent) {
        let e = event.event
        for index in changes.indices.suffix(2)
        where changes[index].previousLeader == e.node && changes[index].previousLeaderPID == e.pid {
            let claim = changes[index].claim.event
            guard e.clock[claim.node] < claim.clock[claim.node] else { continue }
            changes[index].lastSignOfLife = event
            if e.payload(RPCSend.self)?.method == "bully" { changes[index].lastHeartbeat = event }
            if e.kind.rawValue == "executor.dequeue" { changes[index].lastOldDequeue = event }
        }
    }

    private func claim(_ event: RunEvent, epoch: String, value: Epoch?) {
        var change = Change(claim: event, epoch: epoch)
        if let leader {
            let old = leader.process
            change.previousLeader = old.node
            change.previousEpoch = leader.epoch
            change.previousLeaderPID = old.pid
            change.lastHeartbeat = lastBully[old]
            change.lastSignOfLife = lastEvent[old]
            change.lastOldDequeue = lastDequeue[old]
            if let open = openDequeue[old], let order = open.event.payload(ExecutorDequeue.self)?.order {
                change.inFlight.append((order, open))
                watched[order, default: []].append(changes.count)
                openDequeue[old] = nil
            }
        }
        change.election = roundEvents
        roundEvents = []
        changes.append(change)
        leader = (Process(node: event.event.node, pid: event.event.pid), epoch, value)
    }
}
