import ClusterProtocol
import Election
import TraceFormat

/// Check 7: election safety. One claimant per epoch, and it is the epoch's leader; the epochs a process
/// adopts increase; at the end, the live executors agree on the highest live id as leader.
final class ElectionCheck: RunCheck {
    private var claims: [String: RunEvent] = [:]
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
        lastWallTime = max(lastWallTime, event.event.wallTimeNanos)
        let kind = event.event.kind
        guard kind.rawValue.hasPrefix("election.") || kind == .heartbeatTimeout else { return }
        examined += 1
        if kind != .electionSend && kind != .electionReceive {
            lastElectionWallTime = max(lastElectionWallTime, event.event.wallTimeNanos)
        }
        guard let leader = event.event.payload(ElectionLeader.self), let epoch = leader.epoch else { return }
        let node = event.event.node
        let incarnation = (state.previous(node)?.incarnation ?? 0) + (state.startsIncarnation(event) ? 1 : 0)
        if leader.isSelf == true { claim(event, epoch: epoch) }
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

    private func claim(_ event: RunEvent, epoch: Epoch) {
        let node = event.event.node
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
        if let first = claims[key], first.event.node != node {
            var finding = builder("two leaders claimed epoch \(epoch)", rule: "at most one leader per epoch")
            let a = finding.name(first)
            let b = finding.name(event)
            finding.step("\(a) claims epoch \(epoch) for \(first.event.node).")
            finding.step("However \(b) claims the same epoch for \(node).")
            report(finding.finding)
        } else if claims[key] == nil {
            claims[key] = event
        }
    }

    override func finish(_ state: RunState) {
        info["epochs claimed", default: 0] = claims.count
        // Live at the end: a cleanly closed trace, or events within the last second of the run.
        let live = beliefs.keys.sorted().filter { node in
            guard let last = state.previous(node)?.last else { return false }
            let closed = state.health[node].map { !$0.truncated && $0.unreadable == nil } ?? true
            return closed || last.event.wallTimeNanos >= Self.before(lastWallTime, 1_000_000_000)
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
