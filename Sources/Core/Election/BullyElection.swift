/// The Bully election with heartbeats, as a pure state machine.
///
/// Inputs are `start`, received messages, fired timers and fencing refusals, each with the current time;
/// outputs are directives the shell carries out (send, set or cancel a timer, report a leader change).
/// No clock reads, no IO, no randomness: the same instance runs in real executors and in the simulator.
///
/// The rules:
/// - A node starts by holding an election: it sends `election` to every higher id. With no `answer` within
///   `electionTimeout` it becomes leader of the next term and sends `coordinator` to everyone.
/// - A node that receives `election` from a lower id answers it and holds its own election (the bully step);
///   a leader instead re-announces itself to the sender.
/// - A node that got an `answer` waits `coordinatorTimeout` for the winner's `coordinator`, else starts over.
/// - The leader sends `heartbeat` every `heartbeatInterval`. A follower whose leader stays silent longer than
///   the failure detector allows starts an election. The detector is adaptive (`PhiAccrualDetector` over the
///   heartbeat gaps, `LocalHealth` for the node's own starvation): `leaderTimeout` on a quiet machine, longer when
///   heartbeats are jittery or this node's own timers fire late, never more than `detector.maximumTimeout`.
/// - A suspected leader is probed first when `probeTimeout` > 0 (`BullyElection+Probe`): an answer cancels the
///   suspicion, a refused connection confirms it at once, no answer confirms it only at the detector's ceiling.
/// - A follower keeps a long-held `watch` call to its leader under way when `watchHold` > 0 (`BullyElection+Watch`):
///   a watch that breaks (a killed leader's connections close) starts the probe at once.
/// - Every leadership has an `Epoch`; a node that hears of a higher epoch adopts it at once, stepping down if
///   it was leader. A node that hears a stale epoch tells the sender about the newer one. A node that learns
///   of a leader with a lower id than its own bullies it with a new election, so the highest live id wins.
public struct BullyElection: Sendable {
    public enum Role: String, Sendable, Hashable, Codable {
        case follower, candidate, awaitingCoordinator, leader
    }

    public let id: Int
    public let peers: [Int]
    public let configuration: BullyConfiguration
    public private(set) var role: Role = .follower
    /// The epoch this node follows or leads (nil before it knows any leader).
    public private(set) var current: Epoch?
    /// The highest epoch seen in any message (new terms start above it).
    public private(set) var highestSeen: Epoch = .none
    var lastHeardFromLeader: UInt64 = 0
    /// The heartbeat history of the leader this node follows (phi-accrual).
    public internal(set) var detector: PhiAccrualDetector
    /// This node's own starvation (Lifeguard's local health).
    public internal(set) var health: LocalHealth
    /// The deadline of each timer this node armed and that has not fired or been cancelled (for its lateness).
    var armed: [BullyTimer: UInt64] = [:]
    /// The probe of a suspected leader under way (followers only), and the number of the last probe started.
    var probe: LeaderProbe?
    var probeCount: UInt64 = 0
    /// The watch of the leader under way (followers only), and the number of the last watch started.
    var watch: LeaderWatch?
    var watchCount: UInt64 = 0

    /// - Parameter remembered: the highest epoch an earlier incarnation of this node knew (from its own records),
    ///   so that a restarted node never announces an epoch that was already used.
    public init(id: Int, peers: [Int], configuration: BullyConfiguration = .loopback, remembered: Epoch = .none) {
        // A remembered epoch out of range (a damaged record) is not trusted.
        self.highestSeen = remembered.term <= Epoch.maxTerm ? remembered : .none
        self.id = id
        self.peers = peers.filter { $0 != id }.sorted()
        self.configuration = configuration
        self.detector = PhiAccrualDetector(settings: configuration.detector)
        self.health = LocalHealth(settings: configuration.detector)
    }

    /// True while this node leads.
    public var isLeader: Bool { role == .leader }

    /// The leader this node believes in (itself when leading).
    public var leader: Int? { current?.leader }

    // MARK: Validation

    /// Why `message` from `from` must be dropped before it reaches `onMessage`, or nil when it is acceptable:
    /// the sender must be a configured peer, the epoch's term at most `Epoch.maxTerm`, and its leader a configured
    /// node (this one or a peer), except for `Epoch.none` in election and answer messages.
    public func problem(with message: BullyMessage, from: Int) -> String? {
        guard peers.contains(from) else { return "sender \(from) is not a configured peer" }
        let epoch = message.epoch
        guard epoch.term <= Epoch.maxTerm else { return "epoch term \(epoch.term) is beyond \(Epoch.maxTerm)" }
        switch message {
        case .election, .answer:
            if epoch == .none { return nil }
        case .coordinator, .heartbeat:
            guard epoch.term >= 1 else { return "a leader's epoch has term 0" }
        }
        guard epoch.leader == id || peers.contains(epoch.leader) else {
            return "epoch \(epoch) names leader \(epoch.leader), not a configured node"
        }
        return nil
    }

    // MARK: Inputs

    /// The node starts (or restarts): it holds an election.
    public mutating func start(now: UInt64) -> [BullyDirective] {
        defer { assert(invariantsHold, "Bully invariants") }
        return startElection(reason: "start", now: now)
    }

    /// A message arrived from executor `from`.
    /// - Parameter receivedAt: when the shell received it (before it waited for this node to handle it); nil means
    ///   `now`. The wait is local health evidence, and heartbeat gaps are measured from it.
    public mutating func onMessage(
        _ message: BullyMessage, from: Int, now: UInt64, receivedAt: UInt64? = nil
    ) -> [BullyDirective] {
        defer { assert(invariantsHold, "Bully invariants") }
        let arrival = min(receivedAt ?? now, now)
        if configuration.detector.adaptive { health.observe(lateness: now - arrival, now: now) }
        switch message {
        case .heartbeat(let epoch), .coordinator(let epoch):
            return onLeaderMessage(epoch, from: from, now: now, arrival: arrival)
        case .election(let known):
            learn(known)
            var directives: [BullyDirective] = [.send(.answer(known: highestSeen), to: from)]
            switch role {
            case .leader:
                directives.append(.send(.coordinator(current!), to: from))
            case .follower:
                directives += startElection(reason: "election from \(from)", now: now)
            case .candidate, .awaitingCoordinator:
                break
            }
            return directives
        case .answer(let known):
            learn(known)
            guard role == .candidate else { return [] }
            role = .awaitingCoordinator
            return [
                cancel(.electionTimeout),
                arm(.coordinatorTimeout, after: widened(configuration.coordinatorTimeout), now),
            ]
        }
    }

    /// A timer set earlier fired.
    public mutating func onTimer(_ timer: BullyTimer, now: UInt64) -> [BullyDirective] {
        defer { assert(invariantsHold, "Bully invariants") }
        let lateness = fired(timer, now: now)
        switch timer {
        case .heartbeat:
            guard role == .leader, let epoch = current else { return [] }
            return peers.map { .send(.heartbeat(epoch), to: $0) }
                + [arm(.heartbeat, after: configuration.heartbeatInterval, now)]
        case .leaderTimeout:
            guard role == .follower else { return [] }
            return onLeaderTimeout(now: now, lateness: lateness)
        case .electionTimeout:
            guard role == .candidate else { return [] }
            return becomeLeader(now: now)
        case .coordinatorTimeout:
            guard role == .awaitingCoordinator else { return [] }
            return startElection(reason: "no coordinator after an answer", now: now)
        }
    }

    /// The Order Queue refused this node's request because it has seen `epoch`, a newer one.
    public mutating func onFenced(by epoch: Epoch, now: UInt64) -> [BullyDirective] {
        defer { assert(invariantsHold, "Bully invariants") }
        learn(epoch)
        guard let current, epoch > current else { return [] }
        return adopt(epoch, now: now)
    }

    // MARK: Transitions

    private mutating func onLeaderMessage(_ epoch: Epoch, from: Int, now: UInt64, arrival: UInt64) -> [BullyDirective] {
        learn(epoch)
        guard let current else { return adopt(epoch, now: now, arrival: arrival) }
        if epoch > current { return adopt(epoch, now: now, arrival: arrival) }
        if epoch < current {
            // A stale leader (or a node that missed the change): tell it who leads now.
            return [.send(.coordinator(current), to: from)]
        }
        // The epoch this node already follows.
        guard role != .leader else { return [] }
        let wasProbing = probe != nil
        heard(at: arrival)
        if role == .follower {
            // The armed detector timer stays: when it fires it measures the silence since this arrival. A probe
            // under way is answered by this sign of life: its timer (the ceiling) goes back to the detector's.
            let rearm = armed[.leaderTimeout] == nil || wasProbing ? [armLeaderTimeout(now: now)] : []
            return rearm + watchLeader(now: now)
        }
        // A candidate bullying a lower-id leader keeps campaigning.
        guard epoch.leader > id else { return [] }
        // The election was a false suspicion: the higher leader it suspected is alive (it re-announced itself
        // or sent a heartbeat). No new coordinator will come, so follow it again.
        role = .follower
        return [cancel(.electionTimeout), cancel(.coordinatorTimeout), armLeaderTimeout(now: now)]
            + watchLeader(now: now)
    }

    mutating func adopt(_ epoch: Epoch, now: UInt64, arrival: UInt64? = nil) -> [BullyDirective] {
        assert(current.map { epoch > $0 } ?? true, "the epochs a node follows increase")
        var directives: [BullyDirective] = []
        if role == .leader, let current, current != epoch {
            directives.append(.steppedDown(from: current, newer: epoch))
            directives.append(cancel(.heartbeat))
        }
        current = epoch
        role = .follower
        probe = nil
        watch = nil
        // A new leader: its first sign of life starts a new silence (the gap from the old leader is no sample).
        lastHeardFromLeader = arrival ?? now
        detector.restart(at: lastHeardFromLeader)
        directives += [
            cancel(.electionTimeout), cancel(.coordinatorTimeout), .leaderChanged(epoch), armLeaderTimeout(now: now),
        ]
        if epoch.leader < id {
            directives += startElection(reason: "lower id \(epoch.leader) leads epoch \(epoch)", now: now)
        } else if epoch.leader == id {
            // This node's own epoch, from before it restarted: nobody leads it any more, so campaign now rather
            // than follow itself until the failure detector fires.
            directives += startElection(reason: "own epoch \(epoch) from before a restart", now: now)
        } else {
            directives += watchLeader(now: now)
        }
        return directives
    }

    mutating func startElection(reason: String, now: UInt64) -> [BullyDirective] {
        let wasLeader = role == .leader
        role = .candidate
        probe = nil
        watch = nil
        var directives: [BullyDirective] = [
            .electionStarted(reason: reason), cancel(.leaderTimeout), cancel(.coordinatorTimeout),
        ]
        if wasLeader { directives.append(cancel(.heartbeat)) }
        let higher = peers.filter { $0 > id }
        guard !higher.isEmpty else { return directives + becomeLeader(now: now) }
        directives += higher.map { .send(.election(known: highestSeen), to: $0) }
        directives.append(arm(.electionTimeout, after: widened(configuration.electionTimeout), now))
        return directives
    }

    private mutating func becomeLeader(now: UInt64) -> [BullyDirective] {
        let epoch = Epoch(term: highestSeen.term + 1, leader: id)
        assert(current.map { epoch > $0 } ?? true, "a new leadership's epoch is above every epoch this node followed")
        highestSeen = epoch
        current = epoch
        role = .leader
        return [cancel(.electionTimeout), cancel(.coordinatorTimeout), cancel(.leaderTimeout), .leaderChanged(epoch)]
            + peers.map { .send(.coordinator(epoch), to: $0) }
            + [arm(.heartbeat, after: configuration.heartbeatInterval, now)]
    }

    /// TigerBeetle-style invariants (checked with `assert`, so in debug builds only): a leader leads its own epoch
    /// (one leader per epoch it knows), and no epoch it follows is above the highest it has seen.
    var invariantsHold: Bool {
        guard role != .leader || (current?.leader == id) else { return false }
        guard probe == nil || role == .follower else { return false }
        guard watch == nil || role == .follower else { return false }
        return current.map { $0 <= highestSeen } ?? true
    }

    mutating func learn(_ epoch: Epoch) {
        // Out-of-range epochs never get here through `problem(with:from:)`; this keeps the term arithmetic safe.
        if epoch > highestSeen, epoch.term <= Epoch.maxTerm { highestSeen = epoch }
    }
}
