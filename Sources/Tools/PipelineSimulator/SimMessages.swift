import Causality
import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import OrderQueueCore

/// What a simulated request carries.
enum RequestPayload {
    case bully(BullyMessage, from: Int)
    case enqueue(OrderTicket, OrderPriority)
    case lease(LeaseRequest)
    case ack(AckRequest)
    /// A slot's leases given back, one release each in turn (one message: the shell makes the calls in turn).
    case release([AckRequest])
    /// An executor's `status`, as a follower probes a suspected leader.
    case status
    /// A follower's `watch` of its leader (held while the leader leads the epoch).
    case watch(LeaderWatchRequest)

    var method: String {
        switch self {
        case .bully: "bully"
        case .enqueue: "enqueue"
        case .lease: "lease"
        case .ack: "ack"
        case .release: "release"
        case .status: "status"
        case .watch: "watch"
        }
    }
}

/// The simulated queue's answer to an ack: the first order's, the others' (`AckRequest.more`), and the carried
/// lease request's (`next`, `nextMore`; none from a queue that answers plain acks).
struct SimAck {
    var answer: AckAnswer
    var more: [AckAnswer] = []
    var next: LeaseAnswer?
    var nextMore: [LeasedOrder] = []
}

/// What a simulated reply carries.
enum ReplyPayload {
    case empty
    case enqueued
    case lease(LeaseAnswer)
    case ack(SimAck)
    /// The epoch an executor leads (nil: it does not lead).
    case status(leading: Epoch?)
}

/// What the caller does with the outcome of a call.
enum CallPurpose {
    /// Fire and forget (election messages), or a duplicate sent by a retrying client.
    case ignored
    case enqueue(order: Int)
    case lease(WorkCall)
    case ack(WorkCall)
    case release(WorkCall)
    /// A follower's probe of its suspected leader (its number in the election).
    case probe(UInt64)
    /// A follower's watch of its leader (its number in the election).
    case watch(UInt64)
}

/// A request on the simulated network.
struct SimRequest {
    var msg: String
    var from: String
    var to: String
    var payload: RequestPayload
    var clock: VectorClock
}

/// A reply on the simulated network.
struct SimReply {
    var msg: String
    var from: String
    var to: String
    var method: String
    var payload: ReplyPayload
    var clock: VectorClock
    var sentAt: UInt64
}

/// A call a node waits on.
struct PendingCall {
    var node: String
    var incarnation: Int
    var peer: String
    var method: String
    var purpose: CallPurpose
    var sentAt: UInt64
    /// The first message id of the logical call (a retried copy shares it): the first reply answers the caller.
    var logical: String
}

/// One simulated executor process.
struct SimExecutor {
    var instance: ExecutorInstance
    var incarnation: Int
    var up = true
    var pausedUntil: UInt64?
    var timers: [ExecutorTimer: UInt64] = [:]
    var timerGeneration: UInt64 = 0
    var drained = false
}

/// Everything that happens in a run, at a time.
enum SimAction {
    case request(SimRequest)
    case reply(SimReply)
    case deadline(msg: String)
    /// The server's port refused the connection (a crashed process): the client fails at once.
    case refused(msg: String)
    case timer(executor: Int, incarnation: Int, ExecutorTimer, generation: UInt64)
    case enqueue(order: Int)
    case crash(executor: Int)
    case restart(executor: Int)
    case pause(executor: Int, nanos: UInt64)
    /// `node` is cut off from everyone, or (`peersOnly`) an executor from the other executors only.
    case isolate(node: String, nanos: UInt64, peersOnly: Bool)
    case rejoin(node: String)
    case queueCrash(nanos: UInt64)
    case queueRestart
    case heal
    case settleCheck
    /// The queue looks again for its held lease requests (a wait or a lease deadline ends).
    case heldLeaseCheck
    /// Leaders answer the watches whose hold ended.
    case heldWatchCheck
}

/// A follower's watch that leader `executor` holds while it leads `epoch`, until `until`.
struct HeldWatch {
    var request: SimRequest
    var executor: Int
    var epoch: Epoch
    var until: UInt64
}

/// A lease request the simulated queue holds (a long poll), until `until`.
struct HeldLease {
    var request: SimRequest
    var params: LeaseRequest
    var until: UInt64
}
