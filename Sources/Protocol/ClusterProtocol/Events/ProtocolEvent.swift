import TraceModel

/// A decoded event of one of the protocol's kinds: one case per kind, carrying its payload. The one place that maps
/// a kind to its payload type, for readers that handle many kinds (descriptions, filters).
public enum ProtocolEvent: Sendable, Equatable {
    case orderDecision(OrderDecision)
    case suggestionsSkipped(SuggestionsSkipped)
    case queueEnqueue(QueueEnqueue)
    case queueLease(QueueLease)
    case queueCommit(QueueCommit)
    case queueAckRefused(QueueAckRefused)
    case queueLeaseExpired(QueueLeaseExpired)
    case queueLeaseRevoked(QueueLeaseRevoked)
    case queueLeaseReleased(QueueLeaseReleased)
    case queueFenced(QueueFenced)
    case queueOverloaded(QueueOverloaded)
    case queueRecovered(QueueRecovered)
    case queueStopped(QueueStopped)
    case electionStart(ElectionStart)
    case electionSend(ElectionSend)
    case electionReceive(ElectionReceive)
    case electionLeader(ElectionLeader)
    case electionStepDown(ElectionStepDown)
    case heartbeatTimeout(HeartbeatTimeout)
    case executorDequeue(ExecutorDequeue)
    case executorCommit(ExecutorCommit)
    case serviceRestarted(ServiceRestarted)
    case serviceGaveUp(ServiceGaveUp)
    case nodeStopping(NodeStopping)

    /// Decodes `event`: nil when its kind is not one of the protocol's (RPC, span, log and unknown kinds); throws
    /// when it is but its `data` does not decode.
    public init?(_ event: TraceEvent) throws(PayloadError) {
        try self.init(kind: event.kind, fields: PayloadFields(event.data, kind: event.kind))
    }

    /// Decodes the `data` fields `fields` of an event of kind `kind`, like `init(_:)` decodes an event's.
    public init?(kind: EventKind, fields: PayloadFields) throws(PayloadError) {
        switch kind {
        case .orderDecision: self = .orderDecision(try OrderDecision(decoding: fields))
        case .suggestionsSkipped: self = .suggestionsSkipped(try SuggestionsSkipped(decoding: fields))
        case .queueEnqueue: self = .queueEnqueue(try QueueEnqueue(decoding: fields))
        case .queueLease: self = .queueLease(try QueueLease(decoding: fields))
        case .queueCommit: self = .queueCommit(try QueueCommit(decoding: fields))
        case .queueAckRefused: self = .queueAckRefused(try QueueAckRefused(decoding: fields))
        case .queueLeaseExpired: self = .queueLeaseExpired(try QueueLeaseExpired(decoding: fields))
        case .queueLeaseRevoked: self = .queueLeaseRevoked(try QueueLeaseRevoked(decoding: fields))
        case .queueLeaseReleased: self = .queueLeaseReleased(try QueueLeaseReleased(decoding: fields))
        case .queueFenced: self = .queueFenced(try QueueFenced(decoding: fields))
        case .queueOverloaded: self = .queueOverloaded(try QueueOverloaded(decoding: fields))
        case .queueRecovered: self = .queueRecovered(try QueueRecovered(decoding: fields))
        case .queueStopped: self = .queueStopped(try QueueStopped(decoding: fields))
        default:
            guard let decoded = try Self.decodeExecutorSide(kind, fields) else { return nil }
            self = decoded
        }
    }

    private static func decodeExecutorSide(_ kind: EventKind, _ fields: PayloadFields) throws(PayloadError) -> Self? {
        switch kind {
        case .electionStart: .electionStart(try ElectionStart(decoding: fields))
        case .electionSend: .electionSend(try ElectionSend(decoding: fields))
        case .electionReceive: .electionReceive(try ElectionReceive(decoding: fields))
        case .electionLeader: .electionLeader(try ElectionLeader(decoding: fields))
        case .electionStepDown: .electionStepDown(try ElectionStepDown(decoding: fields))
        case .heartbeatTimeout: .heartbeatTimeout(try HeartbeatTimeout(decoding: fields))
        case .executorDequeue: .executorDequeue(try ExecutorDequeue(decoding: fields))
        case .executorCommit: .executorCommit(try ExecutorCommit(decoding: fields))
        case .serviceRestarted: .serviceRestarted(try ServiceRestarted(decoding: fields))
        case .serviceGaveUp: .serviceGaveUp(try ServiceGaveUp(decoding: fields))
        case .nodeStopping: .nodeStopping(try NodeStopping(decoding: fields))
        default: nil
        }
    }

    /// The order the event is about, for the kinds that name one.
    public var order: String? {
        switch self {
        case .orderDecision(let event): event.order
        case .suggestionsSkipped(let event): event.order
        case .queueEnqueue(let event): event.order
        case .queueLease(let event): event.order
        case .queueCommit(let event): event.ack.order
        case .queueAckRefused(let event): event.ack.order
        case .queueLeaseExpired(let event): event.end.order
        case .queueLeaseRevoked(let event): event.end.order
        case .queueLeaseReleased(let event): event.end.order
        case .queueOverloaded(let event): event.order
        case .executorDequeue(let event): event.order
        case .executorCommit(let event): event.order
        default: nil
        }
    }

    /// The order `event` is about: nil for kinds that name none and for malformed events.
    public static func order(of event: TraceEvent) -> String? {
        (try? ProtocolEvent(event))??.order
    }
}
