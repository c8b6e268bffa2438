import Causality
import Election
import TraceModel

/// One simulated node's trace recorder: its vector clock (continued across restarts, as the real recorder continues
/// it from its state file), its process id and sequence (new per incarnation), and the events it wrote.
struct SimRecorder {
    let node: String
    private(set) var clock = VectorClock()
    private(set) var pid: Int32
    private(set) var sequence: UInt64 = 0
    /// The highest epoch this node's events named (what `ExecutorMemory` reads back after a restart).
    private(set) var highestEpoch = Epoch.none
    private static let epochKinds: Set<String> = [
        "election.leader", "election.receive", "election.send", "election.stepdown", "executor.dequeue",
    ]

    init(node: String, pid: Int32) {
        self.node = node
        self.pid = pid
    }

    /// A new process of the node: new pid, sequence from 1, the same clock.
    mutating func restart(pid: Int32) {
        self.pid = pid
        sequence = 0
    }

    /// Records an event: merges `remote`, ticks, appends to `events`. Returns the event's clock.
    @discardableResult
    mutating func record(
        _ kind: EventKind, at now: UInt64, merging remote: VectorClock? = nil, trace: String? = nil,
        span: String? = nil, data: [String: TraceValue], into events: inout [TraceEvent]
    ) -> VectorClock {
        if let remote { clock.merge(remote) }
        clock.tick(node)
        sequence += 1
        if Self.epochKinds.contains(kind.rawValue), let text = data["epoch"]?.stringValue,
            let epoch = Epoch(validating: text), epoch > highestEpoch
        {
            highestEpoch = epoch
        }
        events.append(
            TraceEvent(
                wallTimeNanos: SimRecorder.wallTime(now), node: node, pid: pid, sequence: sequence, kind: kind,
                traceID: trace, spanID: span, clock: clock, data: data))
        return clock
    }

    /// Simulated time as unix nanoseconds (a fixed start, so runs are reproducible).
    static func wallTime(_ now: UInt64) -> Int64 { 1_800_000_000_000_000_000 &+ Int64(clamping: now) }
}
