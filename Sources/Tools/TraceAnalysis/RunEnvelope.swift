import Causality
import TraceFormat

/// The envelope fields of a `RunEvent` that the checks read on every event: who recorded it, in which process, at
/// which position and time, of which kind. Built by the reader without the rest of the event. (The span id is
/// `RunEvent.spanID`: an event read in compact form keeps it in its line, as a string only when asked.)
public struct RunEnvelope: Sendable {
    public var node: String
    public var pid: Int32
    public var sequence: UInt64
    public var kind: EventKind
    public var wallTimeNanos: Int64
    /// The whole clock when it names nodes outside the run's index (`RunEvent.external`); otherwise empty (the
    /// clock is `RunEvent.dense`, and `RunEvent.clock` builds it).
    public var clock: VectorClock

    init(
        node: String, pid: Int32, sequence: UInt64, kind: EventKind, wallTimeNanos: Int64, clock: VectorClock
    ) {
        self.node = node
        self.pid = pid
        self.sequence = sequence
        self.kind = kind
        self.wallTimeNanos = wallTimeNanos
        self.clock = clock
    }

    /// The envelope of `event` (its clock as decoded: empty when the reader decoded it by node number).
    init(_ event: TraceEvent) {
        self.init(
            node: event.node, pid: event.pid, sequence: event.sequence, kind: event.kind,
            wallTimeNanos: event.wallTimeNanos, clock: event.clock)
    }
}
