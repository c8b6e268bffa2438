import Causality
import TraceFormat

/// The envelope fields of a `RunEvent` that the checks read on every event: who recorded it, in which process, at
/// which position and time, of which kind. Read in place from the event's header when asked (nothing is copied:
/// `event.envelope.pid` is one load), the kind derived from its number. (The span id is `RunEvent.spanID`: an event
/// read in compact form keeps it in its line, as a string only when asked.)
public struct RunEnvelope {
    private let event: RunEvent

    init(_ event: RunEvent) { self.event = event }

    public var node: String { event.nodeName }
    public var pid: Int32 { event.header.pid }
    public var sequence: UInt64 { event.header.sequence }
    public var kind: EventKind { event.kind }
    public var wallTimeNanos: Int64 { event.header.wallTimeNanos }
    /// The whole clock when it names nodes outside the run's index (`RunEvent.external`); otherwise empty, or, for
    /// an event built in memory, its clock as given (the clock is `RunEvent.dense`, and `RunEvent.clock` builds it).
    public var clock: VectorClock { event.decodedClock }
}
