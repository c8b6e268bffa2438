import Checkout
import ClusterProtocol
import Election
import Foundation
import OrderQueueCore
import Testing

@Suite("Typed replies on the wire")
struct RPCRepliesCodingTests {
    let epoch = Epoch(term: 4, leader: 3)
    let commit = Commit(orderId: "o-1", executor: 3, epoch: Epoch(term: 4, leader: 3), leaseID: 9)

    private func json(_ value: some Encodable) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(value))
        return try #require(object as? [String: Any])
    }

    private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    @Test("every ack outcome keeps the earlier wire spelling")
    func ackOutcomeSpellings() {
        #expect(
            AckOutcome.allCases.map(\.rawValue) == ["committed", "already_committed", "released", "fenced", "no_lease"])
    }

    @Test("an ack reply writes its outcome and only the fields of that outcome")
    func ackReplyShape() throws {
        let committed = try json(AckReply.committed(commit))
        #expect(committed["outcome"] as? String == "committed")
        #expect((committed["commit"] as? [String: Any])?["orderId"] as? String == "o-1")
        #expect(committed["fencedBy"] == nil)
        let fenced = try json(AckReply.fenced(by: epoch))
        #expect(Set(fenced.keys) == ["outcome", "fencedBy"] && fenced["outcome"] as? String == "fenced")
        #expect(Set(try json(AckReply.noLease).keys) == ["outcome"])
        #expect(try json(AckReply.released)["outcome"] as? String == "released")
    }

    @Test("every ack reply decodes back to itself")
    func ackReplyRoundTrip() throws {
        let replies: [AckReply] = [
            .committed(commit), .alreadyCommitted(commit), .released, .fenced(by: epoch), .noLease,
        ]
        for reply in replies {
            let decoded = try JSONDecoder().decode(AckReply.self, from: JSONEncoder().encode(reply))
            #expect(decoded == reply)
        }
    }

    @Test("an ack reply whose fields do not fit its outcome is refused")
    func ackReplyRefusals() {
        #expect(throws: DecodingError.self) { try decode(AckReply.self, #"{"outcome":"committed"}"#) }
        #expect(throws: DecodingError.self) { try decode(AckReply.self, #"{"outcome":"fenced"}"#) }
        #expect(throws: DecodingError.self) { try decode(AckReply.self, #"{"outcome":"done"}"#) }
        #expect(throws: DecodingError.self) { try decode(AckReply.self, #"{"commit":null}"#) }
    }

    @Test("a lease reply is tagged with its outcome and decodes back to itself")
    func leaseReplyRoundTrip() throws {
        let ticket = OrderTicket(
            orderId: "o-1", items: [.init(name: "Dune", quantity: 1)], shippingMethod: nil, country: "FR")
        let order = QueuedOrder(
            orderId: "o-1", priority: OrderPriority(shippingWeight: 1, countryRank: 2), enqueueSequence: 1,
            enqueuedAtNanos: 5, ticket: ticket)
        let lease = Lease(
            id: 9, orderId: "o-1", executor: 3, epoch: epoch, grantedAtNanos: 1, deadlineNanos: 2, delivery: 1, slot: 2)
        let replies: [LeaseReply] = [
            .leased(lease, order: order, renewed: true, depth: 4), .empty(depth: 0), .fenced(by: epoch),
        ]
        for reply in replies {
            #expect(try json(reply)["outcome"] as? String == reply.outcome.rawValue)
            let decoded = try JSONDecoder().decode(LeaseReply.self, from: JSONEncoder().encode(reply))
            #expect(decoded == reply)
        }
        #expect(Set(try json(LeaseReply.empty(depth: 2)).keys) == ["outcome", "depth"])
        #expect(Set(try json(LeaseReply.fenced(by: epoch)).keys) == ["outcome", "fencedBy"])
    }

    @Test("a lease reply without its outcome's fields, or without an outcome, is refused")
    func leaseReplyRefusals() {
        #expect(throws: DecodingError.self) { try decode(LeaseReply.self, #"{"outcome":"leased","depth":1}"#) }
        #expect(throws: DecodingError.self) { try decode(LeaseReply.self, #"{"outcome":"empty"}"#) }
        #expect(throws: DecodingError.self) { try decode(LeaseReply.self, #"{"depth":0,"renewed":false}"#) }
    }

    @Test("the queue core's outcomes map to the replies of the same meaning")
    func coreOutcomesMap() {
        #expect(AckReply(LeasedOrderQueue.AckOutcome.committed(commit)) == .committed(commit))
        #expect(AckReply(LeasedOrderQueue.AckOutcome.fenced(current: epoch)) == .fenced(by: epoch))
        #expect(AckReply(LeasedOrderQueue.ReleaseOutcome.noLease) == .noLease)
        #expect(LeaseReply(.empty, depth: 3) == .empty(depth: 3))
        #expect(LeaseReply(.fenced(current: epoch), depth: 3) == .fenced(by: epoch))
    }

    @Test("an enqueue reply keeps the earlier spelling, -1 as the position of a duplicate")
    func enqueueReplyShape() throws {
        let stored = try json(EnqueueReply.stored(position: 2, depth: 5))
        #expect(stored["stored"] as? Bool == true && stored["position"] as? Int == 2 && stored["depth"] as? Int == 5)
        let duplicate = try json(EnqueueReply.duplicate(depth: 5))
        #expect(duplicate["stored"] as? Bool == false && duplicate["position"] as? Int == -1)
        for reply in [EnqueueReply.stored(position: 0, depth: 1), .duplicate(depth: 3)] {
            #expect(try JSONDecoder().decode(EnqueueReply.self, from: JSONEncoder().encode(reply)) == reply)
        }
        #expect(throws: DecodingError.self) {
            try decode(EnqueueReply.self, #"{"stored":true,"position":-1,"depth":1}"#)
        }
        #expect(throws: DecodingError.self) { try decode(EnqueueReply.self, #"{"stored":true,"depth":1}"#) }
    }

    @Test("an executor's role is spelled as before and an unknown role is refused")
    func executorRole() throws {
        let status = ExecutorStatus(
            id: 2, node: "executor-2", pid: 7, role: .awaitingCoordinator, epoch: epoch, leader: 3, committed: 1,
            tracesDirectory: nil)
        #expect(try json(status)["role"] as? String == "awaitingCoordinator")
        let text = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
        #expect(try decode(ExecutorStatus.self, text) == status)
        let unknown = text.replacingOccurrences(of: "awaitingCoordinator", with: "king")
        #expect(throws: DecodingError.self) { try decode(ExecutorStatus.self, unknown) }
    }

    @Test("method names are unique within each service")
    func uniqueNames() {
        let queue = [
            QueueRPC.enqueue.name, QueueRPC.lease.name, QueueRPC.ack.name, QueueRPC.release.name, QueueRPC.inspect.name,
        ]
        #expect(Set(queue).count == queue.count)
        #expect(ExecutorRPC.bully.name != ExecutorRPC.status.name)
    }
}
