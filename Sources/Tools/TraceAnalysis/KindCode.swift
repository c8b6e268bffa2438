import ClusterProtocol
import TraceFormat

/// An event's kind as a small number, recognised once when the event is read (on the reader thread): the checks
/// branch on it instead of comparing `EventKind`s, which are strings (two unequal ones take the standard library's
/// slow comparison path). The kinds the checks single out have their own code; the rest by family.
///
/// Recognised with `String` equality and `hasPrefix`, exactly as the checks compared the kinds before.
enum KindCode: UInt8 {
    // The five RPC message kinds come first, in `CompactEvent.kinds`' order (`RunEvent(compact:…)` relies on it).
    case rpcSend, rpcReceive, rpcReplySend, rpcReplyReceive, rpcFailure, otherRPC
    case spanStart, spanEnd
    case nodeStopping, serviceRestarted, serviceGaveUp
    case heartbeatTimeout, electionSend, electionReceive, otherElection
    case orderDecision
    case queueCommit, otherQueue
    case executorCommit, otherExecutor
    case other

    private static let known: [String: KindCode] = [
        EventKind.rpcSend.rawValue: .rpcSend, EventKind.rpcReceive.rawValue: .rpcReceive,
        EventKind.rpcReplySend.rawValue: .rpcReplySend, EventKind.rpcReplyReceive.rawValue: .rpcReplyReceive,
        EventKind.rpcFailure.rawValue: .rpcFailure, EventKind.spanStart.rawValue: .spanStart,
        EventKind.spanEnd.rawValue: .spanEnd, EventKind.nodeStopping.rawValue: .nodeStopping,
        EventKind.serviceRestarted.rawValue: .serviceRestarted, EventKind.serviceGaveUp.rawValue: .serviceGaveUp,
        EventKind.heartbeatTimeout.rawValue: .heartbeatTimeout, EventKind.electionSend.rawValue: .electionSend,
        EventKind.electionReceive.rawValue: .electionReceive, EventKind.orderDecision.rawValue: .orderDecision,
        EventKind.queueCommit.rawValue: .queueCommit, EventKind.executorCommit.rawValue: .executorCommit,
    ]

    init(_ kind: EventKind) {
        let raw = kind.rawValue
        if let code = Self.known[raw] {
            self = code
        } else if raw.hasPrefix("rpc.") {
            self = .otherRPC
        } else if raw.hasPrefix("election.") {
            self = .otherElection
        } else if raw.hasPrefix("queue.") {
            self = .otherQueue
        } else if raw.hasPrefix("executor.") {
            self = .otherExecutor
        } else {
            self = .other
        }
    }

    /// `rpc.*`.
    var isRPC: Bool { rawValue <= KindCode.otherRPC.rawValue }
    /// One of the five RPC kinds a message check pairs (`rpc.send` … `rpc.failure`).
    var isRPCMessage: Bool { rawValue <= KindCode.rpcFailure.rawValue }
    /// `election.*`.
    var isElection: Bool { self == .electionSend || self == .electionReceive || self == .otherElection }
    /// `queue.*`.
    var isQueue: Bool { self == .queueCommit || self == .otherQueue }
    /// `executor.*`.
    var isExecutor: Bool { self == .executorCommit || self == .otherExecutor }
}
