import ClusterProtocol
import Election
import OrderQueueCore

/// One executor replica as a pure state machine: the Bully election and the leader's work loop, composed so the
/// shell (the real `ExecutorNode` or the simulator) feeds one thing and carries out one list of directives.
///
/// Leadership changes of the election start and stop the work; fencing refusals from the queue reach the election.
/// Every trace event the executor writes comes out as a `record` directive, in the order the shell must write it.
public struct ExecutorInstance: Sendable {
    public private(set) var election: BullyElection
    public private(set) var work: WorkMachine
    /// Replica ids the configuration names (a fencing epoch must name one of them).
    public let replicas: Set<Int>

    public init(
        id: Int, peers: [Int], election configuration: BullyConfiguration, work settings: WorkSettings,
        remembered: Epoch = .none
    ) {
        election = BullyElection(id: id, peers: peers, configuration: configuration, remembered: remembered)
        work = WorkMachine(executor: id, settings: settings)
        replicas = Set(peers + [id])
    }

    public var id: Int { election.id }

    /// Why an election message must be dropped before `onMessage` (nil: acceptable). Needs only the configuration.
    public func problem(with message: BullyMessage, from: Int) -> String? {
        election.problem(with: message, from: from)
    }

    // MARK: Inputs

    /// The node starts: it holds an election.
    public mutating func start(now: UInt64) -> [ExecutorDirective] {
        guard !work.stopped else { return [] }
        let directives = election.start(now: now)
        return apply(directives, now: now)
    }

    /// An election message from `from` (validated with `problem(with:from:)` first), received by the shell at
    /// `receivedAt` (nil: `now`; the wait is local health evidence for the failure detector).
    public mutating func onMessage(
        _ message: BullyMessage, from: Int, now: UInt64, receivedAt: UInt64? = nil
    ) -> [ExecutorDirective] {
        guard !work.stopped else { return [] }
        var result: [ExecutorDirective] = []
        if case .heartbeat = message {
        } else {
            result.append(.record(.electionReceived(message, from: from)))
        }
        let directives = election.onMessage(message, from: from, now: now, receivedAt: receivedAt)
        return result + apply(directives, now: now)
    }

    /// A timer fired.
    public mutating func onTimer(_ timer: ExecutorTimer, now: UInt64) -> [ExecutorDirective] {
        guard !work.stopped else { return [] }
        switch timer {
        case .election(let timer):
            let directives = election.onTimer(timer, now: now)
            return apply(directives, now: now)
        case .work(let timer):
            return apply(work.onTimer(timer, now: now), now: now)
        }
    }

    /// The probe `probe` of the suspected leader ended with `result` (answered, refused, or no answer in time).
    public mutating func onProbeResult(_ result: LeaderProbeResult, probe: UInt64, now: UInt64) -> [ExecutorDirective] {
        guard !work.stopped else { return [] }
        return apply(election.onProbeResult(result, probe: probe, now: now), now: now)
    }

    /// The watch `watch` of the leader ended with `result` (answered, broken, or failed).
    public mutating func onWatchEnded(_ result: LeaderWatchResult, watch: UInt64, now: UInt64) -> [ExecutorDirective] {
        guard !work.stopped else { return [] }
        return apply(election.onWatchEnded(result, watch: watch, now: now), now: now)
    }

    /// The queue answered a lease call.
    public mutating func onLeaseReply(
        _ call: WorkCall, _ answer: LeaseAnswer, more: [LeasedOrder] = [], now: UInt64
    ) -> [ExecutorDirective] {
        apply(work.onLeaseReply(call, answer, more: more, now: now), now: now)
    }

    /// A lease call got no answer.
    public mutating func onLeaseFailed(_ call: WorkCall, now: UInt64) -> [ExecutorDirective] {
        apply(work.onLeaseFailed(call, now: now), now: now)
    }

    /// The queue answered an ack; `more`: its answers for the slot's further orders; `next` and `nextMore`: the
    /// reply's answer to the lease request the ack carried, if any.
    public mutating func onAckReply(
        _ call: WorkCall, _ answer: AckAnswer, more: [AckAnswer] = [], next: LeaseAnswer? = nil,
        nextMore: [LeasedOrder] = [], now: UInt64
    ) -> [ExecutorDirective] {
        apply(work.onAckReply(call, answer, more: more, next: next, nextMore: nextMore, now: now), now: now)
    }

    /// The queue's whole reply to an ack call.
    public mutating func onAckReply(_ call: WorkCall, _ reply: AckAndLeaseReply, now: UInt64) -> [ExecutorDirective] {
        onAckReply(
            call, AckAnswer(reply.ack), more: (reply.more ?? []).map(AckAnswer.init),
            next: reply.next.map(LeaseAnswer.init), nextMore: reply.moreLeases ?? [], now: now)
    }

    /// An ack call got no answer.
    public mutating func onAckFailed(_ call: WorkCall, now: UInt64) -> [ExecutorDirective] {
        apply(work.onAckFailed(call, now: now), now: now)
    }

    /// A release call ended, answered or not.
    public mutating func onReleaseDone(_ call: WorkCall, now: UInt64) -> [ExecutorDirective] {
        apply(work.onReleaseDone(call, now: now), now: now)
    }

    /// A clean stop: the work drains; `drained` follows when it is done (the election then stops too).
    public mutating func onDrain(now: UInt64) -> [ExecutorDirective] {
        apply(work.onDrain(now: now), now: now)
    }

    // MARK: Composition

    private mutating func apply(_ directives: [BullyDirective], now: UInt64) -> [ExecutorDirective] {
        var result: [ExecutorDirective] = []
        for directive in directives {
            switch directive {
            case .send(let message, let to):
                if case .heartbeat = message {
                } else {
                    result.append(.record(.electionSent(message, to: to)))
                }
                result.append(.send(message, to: to))
            case .setTimer(let timer, let deadline):
                result.append(.setTimer(.election(timer), deadline: deadline))
            case .cancelTimer(let timer):
                result.append(.cancelTimer(.election(timer)))
            case .probeLeader(let leader, let probe, let deadline):
                result.append(.probeLeader(leader, probe: probe, deadline: deadline))
            case .watchLeader(let leader, let epoch, let watch, let hold, let deadline):
                result.append(.watchLeader(leader, epoch: epoch, watch: watch, hold: hold, deadline: deadline))
            case .leaderTimedOut(let leader, let silent):
                result.append(.record(.heartbeatTimeout(leader: leader, silentNanos: silent)))
            case .electionStarted(let reason):
                result.append(.record(.electionStarted(reason: reason, term: election.highestSeen.term)))
            case .leaderChanged(let epoch):
                let leading = epoch.leader == id && election.isLeader
                result.append(.record(.leader(epoch, leading: leading)))
                let work =
                    leading ? self.work.onLeadershipGained(epoch, now: now) : self.work.onLeadershipLost(now: now)
                result += apply(work, now: now)
            case .steppedDown(let from, let newer):
                result.append(.record(.steppedDown(from: from, newer: newer)))
                result += apply(work.onLeadershipLost(now: now), now: now)
            }
        }
        return result
    }

    private mutating func apply(_ directives: [WorkDirective], now: UInt64) -> [ExecutorDirective] {
        var result: [ExecutorDirective] = []
        for directive in directives {
            switch directive {
            case .lease(let call, let params): result.append(.lease(call, params))
            case .ack(let call, let params): result.append(.ack(call, params))
            case .ackAndLease(let call, let held, let next): result.append(.ackAndLease(call, held, next: next))
            case .release(let call, let params): result.append(.release(call, params))
            case .setTimer(let timer, let deadline): result.append(.setTimer(.work(timer), deadline: deadline))
            case .cancelTimer(let timer): result.append(.cancelTimer(.work(timer)))
            case .record(.dequeued(let held)): result.append(.record(.dequeued(held)))
            case .record(.acknowledged(let held, let outcome)): result.append(.record(.acknowledged(held, outcome)))
            case .record(.ackUnanswered(let held, let attempts, let reason)):
                result.append(.record(.ackUnanswered(held, attempts: attempts, reason: reason)))
            case .fenced(let epoch): result += fenced(by: epoch, now: now)
            case .drained: result.append(.drained)
            }
        }
        return result
    }

    /// The queue says `epoch` is newer than ours; ignored when out of range or naming an unknown leader.
    private mutating func fenced(by epoch: Epoch, now: UInt64) -> [ExecutorDirective] {
        guard epoch.term <= Epoch.maxTerm, replicas.contains(epoch.leader) else {
            return [.record(.ignoredFencing(epoch))]
        }
        let before = election.highestSeen
        let directives = apply(election.onFenced(by: epoch, now: now), now: now)
        assert(election.highestSeen >= before, "epochs a node knows never go down")
        return directives
    }
}
