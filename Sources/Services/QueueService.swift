import Checkout
import Foundation
import OrderQueueCore
import RPC
import TraceFormat

/// `enqueue` params.
public struct EnqueueRequest: Codable, Sendable {
    public var orderId: String
    public var order: CheckoutRequest
    public init(orderId: String, order: CheckoutRequest) {
        self.orderId = orderId
        self.order = order
    }
}

/// `enqueue` result.
public struct EnqueueReply: Codable, Sendable, Equatable {
    /// False when the order id was already queued (enqueue is idempotent).
    public var stored: Bool
    /// 0-based position in dequeue order.
    public var position: Int
    public var depth: Int
}

/// `dequeue` result: the next order, if any.
public struct DequeueReply: Codable, Sendable {
    public var order: QueuedOrder?
    public var depth: Int
}

/// `inspect` result: the queue in dequeue order.
public struct QueueSnapshot: Codable, Sendable {
    public var orders: [QueuedOrder]
}

/// The Order Queue: an in-memory priority queue of approved orders behind a lock.
public final class QueueService: Sendable {
    private let policy: PriorityPolicy
    private let state = QueueState()
    private let wallClock: @Sendable () -> Int64

    public init(policy: PriorityPolicy, wallClock: @escaping @Sendable () -> Int64 = TraceRecorder.systemWallClock) {
        self.policy = policy
        self.wallClock = wallClock
    }

    public func register(into router: inout Router) {
        router.register("enqueue", EnqueueRequest.self) { [self] request, context in
            guard !request.orderId.isEmpty else { throw RPCError(.invalidParams, "orderId must not be empty") }
            let priority = policy.priority(for: request.order)
            let now = wallClock()
            let (outcome, depth) = state.withLock { queue in
                (queue.enqueue(orderId: request.orderId, order: request.order, priority: priority, nowNanos: now),
                 queue.count)
            }
            let reply: EnqueueReply
            switch outcome {
            case .enqueued(_, let position):
                reply = EnqueueReply(stored: true, position: position, depth: depth)
            case .duplicate:
                reply = EnqueueReply(stored: false, position: -1, depth: depth)
            }
            context.record(
                .queueEnqueue,
                data: [
                    "order": .string(request.orderId), "priority": .string("\(priority)"),
                    "depth": .int(Int64(depth)), "duplicate": .bool(!reply.stored),
                ])
            return reply
        }
        router.register("dequeue", Empty.self) { [self] _, context in
            let (order, depth) = state.withLock { queue in (queue.dequeue(), queue.count) }
            if let order {
                context.record(.queueDequeue, data: ["order": .string(order.orderId), "depth": .int(Int64(depth))])
            }
            return DequeueReply(order: order, depth: depth)
        }
        router.register("inspect", Empty.self) { [self] _, _ in
            QueueSnapshot(orders: state.withLock { $0.snapshot() })
        }
    }

    /// Orders waiting now.
    public var depth: Int { state.withLock { $0.count } }
}

private final class QueueState: @unchecked Sendable {
    private let lock = NSLock()
    private var queue = PriorityOrderQueue()

    func withLock<T>(_ body: (inout PriorityOrderQueue) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&queue)
    }
}
