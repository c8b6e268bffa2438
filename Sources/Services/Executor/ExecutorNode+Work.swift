import ClusterProtocol
import Election
import Foundation
import OrderQueueCore
import RPC
import TraceFormat

/// The leader's work: `executorConcurrency` slots, each leasing, executing and acknowledging one order at a time;
/// and the clean stop that lets them finish.
extension ExecutorNode {
    func startWorking(_ epoch: Epoch) {
        stopWorking()
        guard !draining, !stopped else { return }
        let slots = max(1, settings.executorConcurrency)
        workers = (0..<slots).map { slot in Task { [weak self] in await self?.work(epoch, slot: slot) } }
    }

    func stopWorking() {
        for worker in workers { worker.cancel() }
        workers.removeAll()
    }

    private func leading(_ epoch: Epoch) -> Bool {
        !Task.isCancelled && !draining && !stopped && election.isLeader && election.current == epoch
    }

    /// While leading `epoch`, slot `slot`: lease, execute, acknowledge.
    private func work(_ epoch: Epoch, slot: Int) async {
        activeSlots += 1
        defer { activeSlots -= 1 }
        let loop = TraceContext.newTrace()
        while leading(epoch) {
            let reply: LeaseReply
            do {
                reply = try await queue.call(
                    "lease", LeaseRequest(executor: id, epoch: epoch, slot: slot), returning: LeaseReply.self,
                    context: loop)
            } catch {
                // Slot 0 reports and retries every poll; the others wait like idle slots (no storm of calls and
                // warnings while the queue is down).
                if slot == 0 { logger.warning("cannot lease from the queue", metadata: ["cause": "\(error)"]) }
                await idle(slot: slot)
                continue
            }
            if let newer = reply.fencedBy {
                fenced(by: newer)
                return
            }
            guard let lease = reply.lease, let order = reply.order else {
                await idle(slot: slot)
                continue
            }
            if reply.depth > 0 { wakeups &+= 1 }
            if draining {
                await release(lease, order: order, epoch: epoch)
                return
            }
            inFlight[slot] = (lease, order, epoch)
            await execute(order, lease: lease, epoch: epoch)
            inFlight[slot] = nil
        }
    }

    /// Nothing to lease: slot 0 asks again after `pollMs`; the other slots wait up to 20 polls unless a slot
    /// learns that more orders wait (so an idle leader costs one lease call per poll, not one per slot).
    private func idle(slot: Int) async {
        guard slot > 0 else { return await sleep(milliseconds: settings.pollMs) }
        let seen = wakeups
        for _ in 0..<20 {
            await sleep(milliseconds: settings.pollMs)
            if wakeups != seen || Task.isCancelled || draining { return }
        }
    }

    func sleep(milliseconds: Int) async {
        try? await Task.sleep(nanoseconds: UInt64(clamping: max(1, milliseconds)) &* 1_000_000)
    }

    /// The trace of an order's execution: the checkout's trace id from the ticket when it is one.
    static func trace(of order: QueuedOrder) -> TraceContext {
        let span = TraceContext.newTrace().spanID
        for candidate in [order.ticket.traceId, order.orderId].compactMap({ $0 }) {
            if let parent = TraceContext(traceparent: "00-\(candidate)-\(span)-01") {
                return TraceContext(traceID: parent.traceID, spanID: span)
            }
        }
        return TraceContext.newTrace()
    }

    private func execute(_ order: QueuedOrder, lease: Lease, epoch: Epoch) async {
        let trace = Self.trace(of: order)
        recorder.record(
            ExecutorDequeue(
                order: order.orderId, epoch: epoch, lease: lease.id, delivery: lease.delivery, slot: lease.slot),
            context: trace)
        await sleep(milliseconds: settings.processingMs)
        let ack: AckReply
        do {
            ack = try await queue.call(
                "ack", AckRequest(orderId: order.orderId, executor: id, epoch: epoch, leaseId: lease.id),
                returning: AckReply.self, context: trace)
        } catch {
            // The lease will expire and the order will be delivered again; its ack is idempotent.
            logger.warning("ack failed", metadata: ["order_id": .string(order.orderId), "cause": "\(error)"])
            return
        }
        recorder.record(
            ExecutorCommit(order: order.orderId, epoch: epoch, lease: lease.id, outcome: ack.outcome), context: trace)
        if ack.outcome == "committed" {
            committed += 1
            metrics.counter("executor_orders_committed_total").increment()
        }
        if let newer = ack.fencedBy { fenced(by: newer) }
    }

    /// Gives a lease back unexecuted (clean stop).
    private func release(_ lease: Lease, order: QueuedOrder, epoch: Epoch) async {
        do {
            let reply = try await queue.call(
                "release", AckRequest(orderId: order.orderId, executor: id, epoch: epoch, leaseId: lease.id),
                returning: AckReply.self, context: Self.trace(of: order))
            logger.info(
                "gave a lease back", metadata: ["order_id": .string(order.orderId), "outcome": .string(reply.outcome)])
        } catch {
            logger.warning(
                "cannot give a lease back; it will expire",
                metadata: ["order_id": .string(order.orderId), "cause": "\(error)"])
        }
    }

    /// Stops cleanly: takes no new leases, lets the orders in flight finish and be acknowledged (waiting at most
    /// `leaseMs`), gives back any still running, then stops work and timers.
    public func stop() async {
        guard !stopped else { return }
        draining = true
        let deadline = monotonic() &+ UInt64(clamping: settings.leaseMs) &* 1_000_000
        while activeSlots > 0 && monotonic() < deadline {
            await sleep(milliseconds: 5)
        }
        for (_, held) in inFlight.sorted(by: { $0.key < $1.key }) {
            await release(held.lease, order: held.order, epoch: held.epoch)
        }
        inFlight.removeAll()
        stopped = true
        stopWorking()
        cancelTimers()
    }
}
