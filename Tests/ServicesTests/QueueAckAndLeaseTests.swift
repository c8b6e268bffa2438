import Checkout
import ClusterProtocol
import Election
import Foundation
import OrderQueueCore
import RPC
import Services
import Testing
import TraceFormat

/// `queue.ack` carrying the slot's next lease request (`AckRequest.next`): one call, one log batch, the same trace
/// events as an ack and a lease, idempotent repeats, and refusals of a `next` no executor could send.
@Suite("Queue: ack and lease in one call", .serialized)
struct QueueAckAndLeaseTests {
    typealias Running = QueueDurabilityTests.Running
    let epoch = Epoch(term: 3, leader: 2)

    func ticket(_ id: String) -> OrderTicket {
        OrderTicket(orderId: id, items: [.init(name: "Dune", quantity: 1)], shippingMethod: "Express", country: "EE")
    }

    func leased(_ reply: LeaseReply?) -> (lease: Lease, renewed: Bool)? {
        guard case .leased(let lease, _, let renewed, _)? = reply else { return nil }
        return (lease, renewed)
    }

    @Test func anAckCommitsAndLeasesTheSlotsNextOrderInOneLogBatchAndARepeatGetsTheSameAnswer() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        for id in ["a", "b"] { _ = try running.client.call(QueueRPC.enqueue, ticket(id)) }
        let first = try #require(
            leased(try running.client.call(QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch))))
        #expect(first.lease.orderId == "a")
        let batches = running.queue.logStatistics?.batches ?? 0
        let request = AckRequest(
            orderId: "a", executor: 2, epoch: epoch, leaseId: first.lease.id,
            next: LeaseRequest(executor: 2, epoch: epoch, slot: 0))
        let reply = try running.client.call(QueueRPC.ack, request)
        #expect(running.queue.logStatistics?.batches == batches + 1, "the commit and the lease share one batch")
        guard case .committed(let commit) = reply.ack else {
            Issue.record("not committed: \(reply)")
            return
        }
        let next = try #require(leased(reply.next))
        #expect(commit.leaseID == first.lease.id && next.lease.orderId == "b" && !next.renewed && next.lease.slot == 0)
        // The reply was lost: the repeat commits nothing more and renews the same lease.
        let again = try running.client.call(QueueRPC.ack, request)
        #expect(again.ack == .alreadyCommitted(commit))
        let renewed = try #require(leased(again.next))
        #expect(renewed.renewed && renewed.lease.id == next.lease.id)
        let state = try running.client.call(QueueRPC.inspect, NoPayload())
        #expect(state.commits.map(\.orderId) == ["a"] && state.leases.map(\.orderId) == ["b"] && state.waiting.isEmpty)
        running.stop()

        let events = try readRun(traces)["queue", default: []]
        let story = events.compactMap { event -> String? in
            switch event.kind {
            case .queueCommit: "commit \(event.payload(QueueCommit.self)?.ack.order ?? "?")"
            case .queueAckRefused: "refused \(event.payload(QueueAckRefused.self)?.ack.outcome ?? "?")"
            case .queueLease:
                event.payload(QueueLease.self).map { "lease \($0.order)\($0.renewed == true ? " renewed" : "")" }
            default: nil
            }
        }
        #expect(story == ["lease a", "commit a", "lease b", "refused already_committed", "lease b renewed"])
        // The lease is recorded in the ack's request: the call that handed it out.
        let commitEvent = try #require(events.first { $0.kind == .queueCommit })
        let leaseB = try #require(events.first { $0.payload(QueueLease.self)?.order == "b" })
        #expect(leaseB.traceID == commitEvent.traceID && leaseB.spanID == commitEvent.spanID)
    }

    @Test func aFencedAckLeasesNothingAndANextOfAnotherExecutorOrSlotIsRefused() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        defer { running.stop() }
        for id in ["a", "b"] { _ = try running.client.call(QueueRPC.enqueue, ticket(id)) }
        let first = try #require(
            leased(try running.client.call(QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch))))
        let invalid = RPCErrorCode.invalidParams.rawValue
        for next in [LeaseRequest(executor: 3, epoch: epoch), LeaseRequest(executor: 2, epoch: epoch, slot: 99)] {
            let request = AckRequest(orderId: "a", executor: 2, epoch: epoch, leaseId: first.lease.id, next: next)
            do {
                _ = try running.client.call(QueueRPC.ack, request)
                Issue.record("accepted \(next)")
            } catch {
                guard case .remote(let remote) = error.kind else { throw error }
                #expect(remote.code == invalid)
            }
        }
        // A newer epoch fences the old leader: its ack and the lease it carries.
        let newer = Epoch(term: 4, leader: 3)
        _ = try running.client.call(QueueRPC.lease, LeaseRequest(executor: 3, epoch: newer, slot: 1))
        let stale = try running.client.call(
            QueueRPC.ack,
            AckRequest(
                orderId: "a", executor: 2, epoch: epoch, leaseId: first.lease.id,
                next: LeaseRequest(executor: 2, epoch: epoch, slot: 0)))
        #expect(stale == AckAndLeaseReply(.fenced(by: newer)))
        let state = try running.client.call(QueueRPC.inspect, NoPayload())
        #expect(state.commits.isEmpty && state.leases.allSatisfy { $0.executor == 3 })
    }
}
