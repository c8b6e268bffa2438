import ClusterProtocol
import Election
import TraceFormat

/// Check 7: election safety. One claimant per epoch, and it is the epoch's leader; the epochs a process
/// adopts increase; at the end, the live executors agree on the highest live id as leader.
final class ElectionCheck: RunCheck {
    /// Per epoch: the first claim of it and the incarnation of its node that made it.
    private var claims: [String: (event: RunEvent, incarnation: Int)] = [:]
    /// Per service: wall time of the supervisor's last record that its process exited (restarted or given up).
    private var exits: [String: (wallTime: Int64, event: RunEvent)] = [:]
    /// Per node: last adopted epoch in the current incarnation, and the event.
    private var adopted: [String: (epoch: Epoch, event: RunEvent, incarnation: Int)] = [:]
    /// Per node: its last belief (leader id) and the event.
    private var beliefs: [String: (leader: Int, event: RunEvent)] = [:]
    private var lastWallTime: Int64 = .min
    /// Wall time of the last election activity (start, timeout, leader change, step-down).
    private var lastElectionWallTime: Int64 = .min
    /// An election that changed something less than this before the end of the run had not settled.
    static let settleNanos: Int64 = 2_000_000_000

    /// `time - nanos`, saturating at `Int64.min`.
    static func before(_ time: Int64, _ nanos: Int64) -> Int64 {
        let (result, overflow) = time.subtractingReportingOverflow(nanos)
        return overflow ? .min : result
    }

    init(options: CheckOptions) {
        super.init(
            number: 7, name: "election-safety", title: "one leader per epoch; epochs increase; agreement",
            options: options)
    }

    /// The numeric id of an executor node (`executor-3` → 3).
    static func executorID(_ node: String) -> Int? {
        node.split(separator: "-").last.flatMap { Int($0) }
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        lastWallTime = max(lastWallTime, event.envelope.wallTimeNanos)
        let kind = event.kindCode
        // A new process of a node knows no leader yet: the old process's belief died with it.
        if state.startsIncarnation(event) { beliefs[event.envelope.node] = nil }
        if kind == .serviceRestarted || kind == .serviceGaveUp { supervisorSawExit(event, state) }
        guard kind.isElection || kind == .heartbeatTimeout else { return }
        examined += 1
        if kind != .electionSend && kind != .electionReceive {
            lastElectionWallTime = max(lastElectionWallTime, event.envelope.wallTimeNanos)
        }
        guard let leader = event.event.payload(ElectionLeader.self), let epoch = leader.epoch else { return }
        let node = event.envelope.node
        let incarnation = (state.previous(node)?.incarnation ?? 0) + (state.startsIncarnation(event) ? 1 : 0)
        if leader.isSelf == true { claim(event, epoch: epoch, incarnation: incarnation) }
        if let previous = adopted[node], previous.incarnation == incarnation, epoch < previous.epoch {
            var finding = builder(
                "\(node) adopted epoch \(epoch) after \(previous.epoch)",
                rule: "the epochs a process adopts increase")
            let first = finding.name(previous.event)
            let second = finding.name(event)
            finding.step("\(first) precedes \(second) in \(node)'s trace (same process).")
            finding.step("However \(second)'s epoch \(epoch) < \(first)'s epoch \(previous.epoch).")
            report(finding.finding)
        }
        adopted[node] = (epoch, event, incarnation)
        if let id = leader.leader { beliefs[node] = (id, event) }
    }

    /// The supervisor recorded that `service`'s process exited (and was restarted, or given up on).
    private func supervisorSawExit(_ event: RunEvent, _ state: RunState) {
        let service: String?
        switch state.protocolEvent(event) {
        case .serviceRestarted(let restarted)?: service = restarted.service
        case .serviceGaveUp(let gaveUp)?: service = gaveUp.service
        default: service = nil
        }
        guard let service else { return }
        examined += 1
        let wallTime = event.envelope.wallTimeNanos
        if (exits[service]?.wallTime ?? .min) <= wallTime { exits[service] = (wallTime, event) }
    }

    private func claim(_ event: RunEvent, epoch: Epoch, incarnation: Int) {
        let node = event.envelope.node
        if let id = Self.executorID(node), id != epoch.leader {
            var finding = builder(
                "\(node) claimed epoch \(epoch), which belongs to executor-\(epoch.leader)",
                rule: "an epoch t.l can only be led by executor l")
            let label = finding.name(event)
            finding.step("\(label) claims leadership (self = true) of epoch \(epoch).")
            finding.step("However \(node)'s id is \(id), not \(epoch.leader).")
            report(finding.finding)
        }
        let key = epoch.description
        guard let first = claims[key] else {
            claims[key] = (event, incarnation)
            return
        }
        if first.event.envelope.node != node {
            var finding = builder("two leaders claimed epoch \(epoch)", rule: "at most one leader per epoch")
            let a = finding.name(first.event)
            let b = finding.name(event)
            finding.step("\(a) claims epoch \(epoch) for \(first.event.envelope.node).")
            finding.step("However \(b) claims the same epoch for \(node).")
            report(finding.finding)
        } else if first.incarnation != incarnation {
            var finding = builder(
                "\(node) claimed epoch \(epoch) again after a restart",
                rule: "an epoch is announced once: a restarted executor names an epoch above every one it named before")
            let a = finding.name(first.event)
            let b = finding.name(event)
            finding.step("\(a) claims epoch \(epoch) (pid \(first.event.envelope.pid)).")
            finding.step(
                "\(b) is a later process of \(node) (pid \(event.envelope.pid), seq \(event.envelope.sequence)): "
                    + "it restarted in between.")
            finding.step(
                "However \(b) claims the same epoch \(epoch) again: two processes led one epoch, so the queue's fencing "
                    + "cannot tell their leases apart.")
            report(finding.finding)
            claims[key] = (first.event, incarnation)
        }
    }

    /// True when `node`'s last process had ended when the run stopped: the supervisor recorded its exit after its
    /// last event, or its trace is cut (not closed) while the other nodes stopped cleanly (`node.stopping`).
    private func isDead(_ node: String, _ state: RunState, cleanStop: Bool) -> Bool {
        guard let last = state.previous(node)?.last else { return true }
        if let exit = exits[node], exit.wallTime >= last.envelope.wallTimeNanos { return true }
        let cut = state.health[node].map { $0.truncated || $0.unreadable != nil } ?? false
        return cleanStop && cut && !state.stoppedAtEnd(node)
    }

    override func finish(_ state: RunState) {
        info["epochs claimed", default: 0] = claims.count
        // Live at the end: not dead (killed, exited), and a cleanly closed trace or events within the last second.
        let cleanStop = state.nodes.keys.contains { state.stoppedAtEnd($0) }
        let live = beliefs.keys.sorted().filter { node in
            guard let last = state.previous(node)?.last else { return false }
            if isDead(node, state, cleanStop: cleanStop) {
                info["executors dead at the end", default: 0] += 1
                return false
            }
            let closed = state.health[node].map { !$0.truncated && $0.unreadable == nil } ?? true
            return closed || last.envelope.wallTimeNanos >= Self.before(lastWallTime, 1_000_000_000)
        }
        guard let highest = live.compactMap({ Self.executorID($0) }).max() else { return }
        let wrong = live.filter { beliefs[$0]!.leader != highest }
        guard !wrong.isEmpty else { return }
        // A run stopped (or a node restarted) while an election was under way: agreement is not due yet.
        // Saturating: wall times come from trace files and must not wrap a hostile value into an excuse.
        let settling =
            lastElectionWallTime != .min && lastElectionWallTime > Self.before(lastWallTime, Self.settleNanos)
        var finding = builder(
            "at the end, live executors do not all follow executor-\(highest)"
                + (settling ? " (the election had not settled)" : ""),
            rule: settling
                ? "the run ended within \(Self.settleNanos / 1_000_000_000) s of election activity: "
                    + "agreement was not due"
                : "after an election settles, the live nodes agree on the highest live id (Bully)",
            severity: settling ? .warning : .violation)
        for node in live {
            let belief = beliefs[node]!
            let label = finding.name(belief.event)
            finding.step("\(label): \(node)'s last belief is executor-\(belief.leader).")
        }
        finding.step(
            "However the highest live id is \(highest), and "
                + wrong.joined(separator: ", ") + " follow" + (wrong.count == 1 ? "s" : "") + " another leader.")
        report(finding.finding)
    }
}
