import Checkout
import ClusterProtocol
import Election
import Foundation
import OrderQueueCore
import RPC
import Services
import Testing
import TraceFormat

/// `queue.ack` for a slot's batch (`AckRequest.more`) carrying a batch lease (`LeaseRequest.batch`): one call and
/// one log batch for several orders, each with its own answer and trace events.
@Suite("Queue: batch acks and batch leases", .serialized)
struct QueueBatchAckTests {
    typealias Running = QueueDurabilityTests.Running
    let epoch = Epoch(term: 3, leader: 2)

    func ticket(_ id: String) -> OrderTicket {
        OrderTicket(orderId: id, items: [.init(name: "Dune", quantity: 1)], shippingMethod: "Express", country: "EE")
    }

    @Test func aBatchAckCommitsEveryOrderAndLeasesTheNextBatchInOneLogBatch() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        for id in ["a", "b", "c", "d", "e", "f"] { _ = try running.client.call(QueueRPC.enqueue, ticket(id)) }
        // A plain lease takes a; its ack carries a batch lease of 3: b, c, d.
        guard
            case .leased(let a, _, _, _) = try running.client.call(
                QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch))
        else { throw RPCError(.internalError, "no lease") }
        let first = try running.client.call(
            QueueRPC.ack,
            AckRequest(
                orderId: "a", executor: 2, epoch: epoch, leaseId: a.id,
                next: LeaseRequest(executor: 2, epoch: epoch, slot: 0, batch: 3)))
        guard case .leased(let b, _, false, let depth)? = first.next else {
            Issue.record("no batch leased: \(first)")
            return
        }
        let more = first.moreLeases ?? []
        #expect(b.orderId == "b" && more.map(\.lease.orderId) == ["c", "d"] && depth == 2)
        #expect(first.more == nil, "a plain ack gets no `more`")
        let batches = running.queue.logStatistics?.batches ?? 0
        let request = AckRequest(
            orderId: "b", executor: 2, epoch: epoch, leaseId: b.id,
            next: LeaseRequest(executor: 2, epoch: epoch, slot: 0, batch: 3),
            more: more.map { AckItem(orderId: $0.lease.orderId, leaseId: $0.lease.id) } + [
                AckItem(orderId: "zz", leaseId: 999)
            ])
        let reply = try running.client.call(QueueRPC.ack, request)
        #expect(running.queue.logStatistics?.batches == batches + 1, "three commits and two leases, one batch")
        #expect(reply.ack.outcome == .committed)
        #expect(reply.more?.map(\.outcome) == [.committed, .committed, .noLease], "each order its own answer")
        guard case .leased(let e, _, false, _)? = reply.next else {
            Issue.record("no batch leased: \(reply)")
            return
        }
        #expect([e.orderId] + (reply.moreLeases ?? []).map(\.lease.orderId) == ["e", "f"])
        // The reply was lost: the repeat commits nothing more and renews the same two leases.
        let again = try running.client.call(QueueRPC.ack, request)
        #expect(again.ack.outcome == .alreadyCommitted)
        #expect(again.more?.map(\.outcome) == [.alreadyCommitted, .alreadyCommitted, .noLease])
        guard case .leased(let renewed, _, true, _)? = again.next else {
            Issue.record("not renewed: \(again)")
            return
        }
        let renewedIDs = [renewed.id] + (again.moreLeases ?? []).map(\.lease.id)
        #expect(renewedIDs == [e.id] + (reply.moreLeases ?? []).map(\.lease.id))
        let state = try running.client.call(QueueRPC.inspect, NoPayload())
        #expect(Set(state.commits.map(\.orderId)) == ["a", "b", "c", "d"] && state.leases.count == 2)
        running.stop()

        let events = try readRun(traces)["queue", default: []]
        let commits = events.compactMap { $0.payload(QueueCommit.self)?.ack.order }
        #expect(commits == ["a", "b", "c", "d"], "one queue.commit per order, each naming it")
        let leased = events.compactMap { $0.payload(QueueLease.self) }.filter { $0.renewed != true }.map(\.order)
        #expect(leased == ["a", "b", "c", "d", "e", "f"])
    }

    @Test func aBatchAckOfAnOldLeaderIsFencedForEveryOrderAndLeasesNothing() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        defer { running.stop() }
        for id in ["a", "b", "c"] { _ = try running.client.call(QueueRPC.enqueue, ticket(id)) }
        guard
            case .leased(let a, _, _, _) = try running.client.call(
                QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch))
        else { throw RPCError(.internalError, "no lease") }
        let newer = Epoch(term: 4, leader: 3)
        _ = try running.client.call(QueueRPC.lease, LeaseRequest(executor: 3, epoch: newer, slot: 1))
        let stale = try running.client.call(
            QueueRPC.ack,
            AckRequest(
                orderId: "a", executor: 2, epoch: epoch, leaseId: a.id,
                next: LeaseRequest(executor: 2, epoch: epoch, slot: 0, batch: 4),
                more: [AckItem(orderId: "b", leaseId: 1)]))
        #expect(stale == AckAndLeaseReply(.fenced(by: newer), more: [.fenced(by: newer)]))
        let state = try running.client.call(QueueRPC.inspect, NoPayload())
        #expect(state.commits.isEmpty && state.leases.allSatisfy { $0.executor == 3 })
    }

    @Test func aBatchOutsideItsBoundsIsRefused() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        defer { running.stop() }
        let tooMany = (0..<QueueBounds.maxLeaseBatch).map { AckItem(orderId: "o\($0)", leaseId: UInt64($0)) }
        let requests = [
            AckRequest(orderId: "a", executor: 2, epoch: epoch, leaseId: 1, more: tooMany),
            AckRequest(
                orderId: "a", executor: 2, epoch: epoch, leaseId: 1,
                next: LeaseRequest(executor: 2, epoch: epoch, batch: QueueBounds.maxLeaseBatch + 1)),
            AckRequest(
                orderId: "a", executor: 2, epoch: epoch, leaseId: 1,
                next: LeaseRequest(executor: 2, epoch: epoch, batch: 0)),
        ]
        for request in requests {
            do {
                _ = try running.client.call(QueueRPC.ack, request)
                Issue.record("accepted \(request)")
            } catch {
                guard case .remote(let remote) = error.kind else { throw error }
                #expect(remote.code == RPCErrorCode.invalidParams.rawValue)
            }
        }
    }
}
