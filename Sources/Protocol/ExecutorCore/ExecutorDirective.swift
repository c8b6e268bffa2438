import ClusterProtocol
import Election
import OrderQueueCore

/// The timers of an executor: the election's and the work loop's.
public enum ExecutorTimer: Sendable, Hashable {
    case election(BullyTimer)
    case work(WorkTimer)
}

/// What an executor writes to its trace (or, for `ignoredFencing`, to its log), in order.
public enum ExecutorEvent: Sendable, Hashable {
    /// An election message arrived (heartbeats are not recorded).
    case electionReceived(BullyMessage, from: Int)
    /// An election message is sent (heartbeats are not recorded).
    case electionSent(BullyMessage, to: Int)
    /// The failure detector fired.
    case heartbeatTimeout(leader: Int?, silentNanos: UInt64)
    /// An election began; `term` is the highest term known after the step.
    case electionStarted(reason: String, term: UInt64)
    /// A leader is known: this node (`leading`) or another.
    case leader(Epoch, leading: Bool)
    /// This node stopped leading `from`.
    case steppedDown(from: Epoch, newer: Epoch)
    /// The leader took an order.
    case dequeued(HeldOrder)
    /// The queue answered the ack of an order.
    case acknowledged(HeldOrder, AckOutcome)
    /// No ack of an order got an answer and the slot stopped retrying (the shell also logs it with the cause).
    case ackUnanswered(HeldOrder, attempts: Int, reason: AckGiveUp)
    /// The queue named an out-of-range fencing epoch: ignored (a log line, not a trace event).
    case ignoredFencing(Epoch)
}

/// What the executor's shell must do after an input.
public enum ExecutorDirective: Sendable, Equatable {
    /// Send an election message to executor `to` (fire and forget).
    case send(BullyMessage, to: Int)
    /// (Re)arm a timer for `deadline` (the shell's monotonic nanoseconds), replacing an earlier one.
    case setTimer(ExecutorTimer, deadline: UInt64)
    /// Disarm a timer.
    case cancelTimer(ExecutorTimer)
    /// Probe the suspected leader `leader` with its `status` call, with `deadline` (the shell's monotonic
    /// nanoseconds); feed the outcome to `ExecutorInstance.onProbeResult(_:probe:now:)` with this `probe` number.
    case probeLeader(Int, probe: UInt64, deadline: UInt64)
    /// Call `leader`'s `watch` for `epoch` (held up to `hold` nanoseconds) with `deadline`; feed the outcome to
    /// `ExecutorInstance.onWatchEnded(_:watch:now:)` with this `watch` number.
    case watchLeader(Int, epoch: Epoch, watch: UInt64, hold: UInt64, deadline: UInt64)
    /// Record an event.
    case record(ExecutorEvent)
    /// Call the queue's `lease`.
    case lease(WorkCall, LeaseRequest)
    /// Call the queue's `ack` for a slot's orders held (params: `AckRequest(held, executor:)`).
    case ack(WorkCall, [HeldOrder])
    /// Call the queue's `ack` for a slot's orders held, carrying the slot's next lease request (`AckRequest.next`).
    case ackAndLease(WorkCall, [HeldOrder], next: LeaseRequest)
    /// Call the queue's `release` for each order held; report once when all ended.
    case release(WorkCall, [HeldOrder])
    /// The clean stop is complete: stop every timer.
    case drained
}
