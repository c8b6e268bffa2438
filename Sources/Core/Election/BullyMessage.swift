/// What executors say to each other in the Bully election.
public enum BullyMessage: Sendable, Hashable, Codable {
    /// "I am starting an election": sent to every higher id. Carries the sender's highest known epoch.
    case election(known: Epoch)
    /// "I am alive and higher than you": the reply to `election`.
    case answer(known: Epoch)
    /// "I am the leader of `epoch`": sent to every peer by a new leader.
    case coordinator(Epoch)
    /// The leader's periodic "still here".
    case heartbeat(Epoch)

    /// The epoch the message carries.
    public var epoch: Epoch {
        switch self {
        case .election(let epoch), .answer(let epoch), .coordinator(let epoch), .heartbeat(let epoch): return epoch
        }
    }

    /// A short name for logs and traces.
    public var name: String {
        switch self {
        case .election: return "election"
        case .answer: return "answer"
        case .coordinator: return "coordinator"
        case .heartbeat: return "heartbeat"
        }
    }
}

/// The timers of the election. Timers are outputs of the state machine (set/cancel) and inputs when they fire.
public enum BullyTimer: String, Sendable, Hashable, Codable, CaseIterable {
    /// A leader's next heartbeat.
    case heartbeat
    /// A follower's failure detector: no heartbeat from the leader for this long means it is gone.
    case leaderTimeout
    /// A candidate waiting for an answer from a higher id.
    case electionTimeout
    /// A node that got an answer, waiting for the winner's coordinator message.
    case coordinatorTimeout
}

/// What the shell must do after an input.
public enum BullyDirective: Sendable, Hashable {
    /// Send `message` to executor `to`.
    case send(BullyMessage, to: Int)
    /// (Re)arm `timer` to fire at `deadline` (nanoseconds on the shell's monotonic clock), replacing any earlier one.
    case setTimer(BullyTimer, deadline: UInt64)
    /// Disarm `timer`.
    case cancelTimer(BullyTimer)
    /// The failure detector fired: no heartbeat from `leader` (nil: none known) for `silentNanos`.
    case leaderTimedOut(leader: Int?, silentNanos: UInt64)
    /// Ask `leader` whether it is alive and leading (the `status` call) within `deadline`, then feed the outcome
    /// to `onProbeResult(_:probe:now:)` with this `probe` number.
    case probeLeader(Int, probe: UInt64, deadline: UInt64)
    /// Call `leader`'s `watch` for `epoch`: the leader holds the call up to `hold` nanoseconds, answering early
    /// when it stops leading `epoch`; give up at `deadline`. Feed the outcome to `onWatchEnded(_:watch:now:)` with
    /// this `watch` number.
    case watchLeader(Int, epoch: Epoch, watch: UInt64, hold: UInt64, deadline: UInt64)
    /// An election began (for traces and metrics): `reason` says why.
    case electionStarted(reason: String)
    /// This node now knows `epoch`'s leader (another node, or itself).
    case leaderChanged(Epoch)
    /// This node was leader and stopped: it learned of `newer`, or suspects itself stale.
    case steppedDown(from: Epoch, newer: Epoch)
}
