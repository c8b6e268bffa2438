import ClusterProtocol
import ExecutorCore
import Foundation
import OrderQueueCore
import RPC
import TraceFormat

/// The leader's queue calls (`lease`, `ack`, `release`): each runs blocking on one of the node's queue-call threads
/// (`CallThreads`), with the queue client's deadline, and only its outcome goes back to the node.
extension ExecutorNode {
    /// Each lease call is a short trace of its own (a poll is not part of any order's trace). A long poll's deadline
    /// is the queue client's deadline on top of the wait the queue may hold it.
    func lease(_ call: WorkCall, _ request: LeaseRequest) {
        let queue = self.queue
        let deadline = queue.defaultDeadline + .milliseconds(max(0, request.waitMs ?? 0))
        queueCalls.submit { [weak self] in
            let outcome: Swift.Result<(LeaseReply, TraceContext?), RPCCallError>
            do throws(RPCCallError) {
                let answer = try queue.callReportingServerSpan(
                    QueueRPC.lease.name, request, returning: LeaseReply.self, callSpan: TraceContext.newTrace(),
                    deadline: deadline)
                outcome = .success((answer.result, answer.serverSpan))
            } catch {
                outcome = .failure(error)
            }
            guard let self else { return }
            Task {
                switch outcome {
                case .success(let (reply, span)): await self.leased(call, reply, queueSpan: span)
                case .failure(let error): await self.leaseFailed(call, error)
                }
            }
        }
    }

    private func leased(_ call: WorkCall, _ reply: LeaseReply, queueSpan: TraceContext?) {
        if case .leased(let lease, _, false, _) = reply, let queueSpan { rememberLeaseSpan(lease.id, queueSpan) }
        apply(instance.onLeaseReply(call, LeaseAnswer(reply), now: monotonic()))
    }

    /// The queue's span that handed out lease `id`, for its `executor.dequeue`.
    private func rememberLeaseSpan(_ id: UInt64, _ span: TraceContext) {
        if leaseSpans.count >= Self.maximumLeaseSpans { leaseSpans.removeAll() }
        leaseSpans[id] = span
    }

    private func leaseFailed(_ call: WorkCall, _ error: RPCCallError) {
        // Slot 0 reports and retries every poll; the others wait like idle slots (no storm of calls and warnings
        // while the queue is down).
        if call.slot == 0 { logger.warning("cannot lease from the queue", metadata: ["cause": "\(error)"]) }
        apply(instance.onLeaseFailed(call, now: monotonic()))
    }

    /// The ack of a slot's orders `held` (one call), in the first order's trace; with `next`, it carries the slot's
    /// next lease request, and the leases in the reply link to the queue's span of this call (where their
    /// `queue.lease` events are recorded).
    func ack(_ call: WorkCall, _ held: [HeldOrder], next: LeaseRequest? = nil) {
        let queue = self.queue
        let context = Self.trace(of: held[0].order, lease: held[0].lease.id, node: recorder.node)
        var request = AckRequest(held, executor: id)
        request.next = next
        queueCalls.submit { [weak self, request] in
            let outcome: Swift.Result<(AckAndLeaseReply, TraceContext?), RPCCallError>
            do throws(RPCCallError) {
                let answer = try queue.callReportingServerSpan(
                    QueueRPC.ack.name, request, returning: AckAndLeaseReply.self, callSpan: context.child())
                outcome = .success((answer.result, answer.serverSpan))
            } catch {
                outcome = .failure(error)
            }
            guard let self else { return }
            Task {
                switch outcome {
                case .success(let (reply, span)): await self.acked(call, reply, queueSpan: span)
                case .failure(let error): await self.ackFailed(call, orderId: request.orderId, error)
                }
            }
        }
    }

    private func acked(_ call: WorkCall, _ reply: AckAndLeaseReply, queueSpan: TraceContext?) {
        if case .leased(let lease, _, false, _)? = reply.next, let queueSpan {
            rememberLeaseSpan(lease.id, queueSpan)
            for leased in reply.moreLeases ?? [] { rememberLeaseSpan(leased.lease.id, queueSpan) }
        }
        apply(instance.onAckReply(call, reply, now: monotonic()))
    }

    private func ackFailed(_ call: WorkCall, orderId: String, _ error: RPCCallError) {
        // The work machine retries the ack (idempotent: a repeat of a committed lease is `already_committed`) or
        // gives up (`ackUnanswered`); an order the queue did not commit is delivered again when its lease expires.
        logger.warning("ack failed", metadata: ["order_id": .string(orderId), "cause": "\(error)"])
        apply(instance.onAckFailed(call, now: monotonic()))
    }

    /// Gives a slot's leases back unexecuted (clean stop), one `release` call each, in turn on one queue-call
    /// thread; the machine learns once all ended.
    func release(_ call: WorkCall, _ held: [HeldOrder]) {
        let queue = self.queue
        let logger = self.logger
        let calls = held.map {
            (Self.trace(of: $0.order, lease: $0.lease.id, node: recorder.node), AckRequest($0, executor: id))
        }
        queueCalls.submit { [weak self] in
            for (context, params) in calls {
                do throws(RPCCallError) {
                    let reply = try queue.call(QueueRPC.release, params, context: context)
                    logger.info(
                        "gave a lease back",
                        metadata: ["order_id": .string(params.orderId), "outcome": .string(reply.outcome.rawValue)])
                } catch {
                    logger.warning(
                        "cannot give a lease back; it will expire",
                        metadata: ["order_id": .string(params.orderId), "cause": "\(error)"])
                }
            }
            guard let self else { return }
            Task { await self.released(call) }
        }
    }

    private func released(_ call: WorkCall) {
        apply(instance.onReleaseDone(call, now: monotonic()))
    }
}
