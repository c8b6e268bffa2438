import ClusterProtocol
import Glibc
import TraceFormat

/// An event's kind as a small number, recognised once when the event is read (on the reader thread): the checks
/// branch on it instead of comparing `EventKind`s, which are strings (two unequal ones take the standard library's
/// slow comparison path). The kinds the checks single out have their own code; the rest by family.
///
/// Recognised from the kind's bytes, with the results of `String` equality and `hasPrefix`, as the checks compared
/// the kinds before.
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

    /// Every kind the format and the protocol define, the RPC kinds first in `CompactEvent.kinds`' order: an event
    /// of one of them names it by its position here (`RunEventFields.kindName`) instead of holding its string.
    static let names: [EventKind] =
        CompactEvent.kinds + [
            .spanStart, .spanEnd, .log, .nodeStopping, .serviceRestarted, .serviceGaveUp, .suggestionsSkipped,
            .heartbeatTimeout, .electionStart, .electionSend, .electionReceive, .electionLeader, .electionStepDown,
            .orderDecision, .queueEnqueue, .queueLease, .queueCommit, .queueAckRefused, .queueLeaseExpired,
            .queueLeaseRevoked, .queueLeaseReleased, .queueFenced, .queueRecovered, .queueStopped, .queueOverloaded,
            .executorDequeue, .executorCommit,
        ]

    /// The kinds with a code of their own.
    private static let own: [(kind: EventKind, code: KindCode)] = [
        (.rpcSend, .rpcSend), (.rpcReceive, .rpcReceive), (.rpcReplySend, .rpcReplySend),
        (.rpcReplyReceive, .rpcReplyReceive), (.rpcFailure, .rpcFailure), (.spanStart, .spanStart),
        (.spanEnd, .spanEnd), (.nodeStopping, .nodeStopping), (.serviceRestarted, .serviceRestarted),
        (.serviceGaveUp, .serviceGaveUp), (.heartbeatTimeout, .heartbeatTimeout), (.electionSend, .electionSend),
        (.electionReceive, .electionReceive), (.orderDecision, .orderDecision), (.queueCommit, .queueCommit),
        (.executorCommit, .executorCommit),
    ]

    /// `names` as UTF-8 bytes, with their codes (found with `String` equality and `hasPrefix`, as the checks
    /// compared the kinds before).
    private static let known: [(bytes: [UInt8], code: KindCode)] = names.map { kind in
        (Array(kind.rawValue.utf8), own.first { $0.kind == kind }?.code ?? family(kind.rawValue))
    }

    /// The codes of kinds without one of their own, by their name's prefix.
    private static let families: [(prefix: StaticString, code: KindCode)] = [
        ("rpc.", .otherRPC), ("election.", .otherElection), ("queue.", .otherQueue), ("executor.", .otherExecutor),
    ]

    /// The code of a kind without one of its own, by its name's prefix.
    private static func family(_ name: String) -> KindCode {
        families.first { name.hasPrefix("\($0.prefix)") }?.code ?? .other
    }

    init(_ kind: EventKind) { self = Self.recognise(kind).code }

    /// The kind's code, and its position in `names` (nil for a kind outside them). Matches the kind's bytes (a
    /// length compare, then the bytes): the known kinds are ASCII letters, `.` and `_`, which no other spelling is
    /// canonically equivalent to, so byte equality is `String` equality here.
    static func recognise(_ kind: EventKind) -> (code: KindCode, name: Int?) {
        var raw = kind.rawValue
        return raw.withUTF8 { bytes in
            for (position, entry) in known.enumerated() where entry.bytes.count == bytes.count {
                if entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) })
                    == 0
                {
                    return (entry.code, position)
                }
            }
            for family in families where hasPrefix(bytes, family.prefix, kind) { return (family.code, nil) }
            return (.other, nil)
        }
    }

    /// `kind.rawValue.hasPrefix(prefix)` from its bytes `bytes`. An ASCII prefix has no other canonically equivalent
    /// spelling, so different bytes mean no prefix; equal bytes mean one unless a non-ASCII byte follows (a combining
    /// mark would join the prefix's last character): `String` decides then.
    private static func hasPrefix(
        _ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString, _ kind: EventKind
    ) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard bytes.count >= count, memcmp(bytes.baseAddress!, prefix.utf8Start, count) == 0 else { return false }
        return bytes.count == count || bytes[count] < 0x80 || kind.rawValue.hasPrefix("\(prefix)")
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
