import Checkout
import ClusterProtocol
import Election
import Foundation
import Logging
import OrderQueueCore
import RPC
import Services
import Testing
import TraceFormat

/// The Order Queue service over its write-ahead log, on a loopback port: durability across restarts, the bound,
/// releases, and the refusals of what no configured executor could send.
@Suite("Durable order queue service", .serialized)
struct QueueDurabilityTests {
    /// A queue server on a free port over `data`, tracing into `traces`.
    final class Running {
        let server: RPCServer
        let queue: QueueService
        let host: ServiceHost
        let client: RPCClient

        init(data: String, traces: String, configure: (inout ClusterConfig) -> Void = { _ in }) throws {
            var config = ClusterConfig()
            config.queue.address = "127.0.0.1:0"
            configure(&config)
            host = try ServiceHost(node: "queue", tracesDirectory: traces)
            (server, queue) = try ServiceFactory.startQueue(config: config, host: host, dataDirectory: data)
            client = RPCClient(
                peer: "queue", baseURL: "http://127.0.0.1:\(server.port)",
                recorder: TraceRecorder(node: "orchestrator", writer: nil),
                logger: quietLogger, defaultDeadline: .seconds(5), credential: ServiceHost.processCredential)
        }

        func stop() {
            server.stop()
            queue.close()
            host.shutdown()
        }
    }

    let epoch = Epoch(term: 3, leader: 2)

    func ticket(_ id: String) -> OrderTicket {
        OrderTicket(orderId: id, items: [.init(name: "Dune", quantity: 1)], shippingMethod: "Express", country: "EE")
    }

    /// The JSON-RPC error code of a refused call (nil when it succeeded).
    func refusal<P, R>(_ client: RPCClient, _ method: RPCMethod<P, R>, _ params: P) -> Int? {
        do {
            _ = try client.call(method, params)
            return nil
        } catch {
            if case .remote(let remote) = error.kind { return remote.code }
            return -1
        }
    }

    /// The lease of a `leased` reply.
    func lease(of reply: LeaseReply) throws -> Lease {
        guard case .leased(let lease, _, _, _) = reply else { throw Unexpected(reply: reply) }
        return lease
    }

    struct Unexpected: Error {
        var reply: LeaseReply
    }

    @Test func waitingOrdersCommitsAndTheEpochSurviveARestartAndOldLeasesAreRevoked() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        var running = try Running(data: data, traces: traces)
        for id in ["a", "b", "c"] { _ = try running.client.call(QueueRPC.enqueue, ticket(id)) }
        let first = try running.client.call(QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch, slot: 0))
        let second = try running.client.call(QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch, slot: 1))
        let lease = try lease(of: second)
        let ack = try running.client.call(
            QueueRPC.ack, AckRequest(orderId: lease.orderId, executor: 2, epoch: epoch, leaseId: lease.id))
        #expect(ack.ack.outcome == .committed && ack.next == nil && (try? self.lease(of: first).orderId) == "a")
        running.stop()

        running = try Running(data: data, traces: traces)
        let state = try running.client.call(QueueRPC.inspect, NoPayload())
        #expect(state.waiting.map(\.orderId) == ["a", "c"], "the leased order waits again, in its place")
        #expect(state.leases.isEmpty && state.commits.map(\.orderId) == ["b"] && state.highestEpoch == epoch)
        let again = try running.client.call(QueueRPC.enqueue, ticket("b"))
        #expect(!again.isStored, "a committed id is refused after the restart")
        let stale = try running.client.call(QueueRPC.lease, LeaseRequest(executor: 1, epoch: Epoch(term: 2, leader: 1)))
        #expect(stale == .fenced(by: epoch), "the highest epoch still fences")
        running.stop()

        let events = try readRun(traces)["queue", default: []]
        let recovered = events.filter { $0.kind == .queueRecovered }
        #expect(recovered.count == 2)
        let last = recovered.last?.payload(QueueRecovered.self)
        #expect(last?.revoked == 1 && last?.committed == 1)
        #expect(last?.orders == ["a", "c"])
        let stopped = events.filter { $0.kind == .queueStopped }
        #expect(stopped.count == 2 && stopped.last?.payload(QueueStopped.self)?.durable == true)
    }

    @Test func pastMaxWaitingEnqueueIsRefusedAsOverloadedButDuplicatesStillAnswer() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces) { $0.queueStore.maxWaiting = 2 }
        defer { running.stop() }
        for id in ["a", "b"] { _ = try running.client.call(QueueRPC.enqueue, ticket(id)) }
        #expect(refusal(running.client, QueueRPC.enqueue, ticket("c")) == RPCErrorCode.overloaded.rawValue)
        let duplicate = try running.client.call(QueueRPC.enqueue, ticket("a"))
        #expect(duplicate == .duplicate(depth: 2))
        #expect(running.queue.depth == 2)
    }

    @Test func aReleasedLeaseWaitsAgainAndIsTraced() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        _ = try running.client.call(QueueRPC.enqueue, ticket("a"))
        let lease = try lease(of: running.client.call(QueueRPC.lease, LeaseRequest(executor: 3, epoch: epoch)))
        let reply = try running.client.call(
            QueueRPC.release, AckRequest(orderId: "a", executor: 3, epoch: epoch, leaseId: lease.id))
        #expect(reply == .released && running.queue.depth == 1)
        running.stop()
        let released = try readRun(traces)["queue", default: []].filter { $0.kind == .queueLeaseReleased }
        #expect(released.count == 1 && released.first?.payload(QueueLeaseReleased.self)?.end.order == "a")
    }

    @Test func anOrderStoredWhileALeaseIsHeldIsLeasedInTheSameLogBatchAndTracedInTheLeaseRequest() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        let client = running.client
        let epoch = epoch
        let answered = DispatchSemaphore(value: 0)
        let answer = LockedBox<Result<LeaseReply, any Error>>()
        Thread.detachNewThread {
            answer.set(
                Result {
                    try client.call(
                        QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch, waitMs: 5_000),
                        deadline: .seconds(10))
                })
            answered.signal()
        }
        let deadline = Date().addingTimeInterval(5)
        while running.queue.heldLeaseRequests == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
        #expect(running.queue.heldLeaseRequests == 1)
        let before = try #require(running.queue.logStatistics)
        _ = try running.client.call(QueueRPC.enqueue, ticket("a"))
        #expect(answered.wait(timeout: .now() + 5) == .success)
        let reply = try #require(answer.value).get()
        let lease = try lease(of: reply)
        #expect(lease.orderId == "a" && lease.epoch == epoch && reply.outcome == .leased)
        let after = try #require(running.queue.logStatistics)
        #expect(after.records - before.records == 2, "the order and its lease")
        #expect(after.batches - before.batches == 1, "one batch, one fsync, for the order and its lease")
        running.stop()
        // The lease is recorded in the lease request's trace (the executor's call), after the order's enqueue.
        let events = try readRun(traces)["queue", default: []]
        let enqueued = try #require(events.firstIndex { $0.kind == .queueEnqueue })
        let leased = try #require(events.firstIndex { $0.kind == .queueLease })
        #expect(enqueued < leased)
        #expect(events[leased].traceID != events[enqueued].traceID, "the lease is traced in its own request")
        // After a restart the order waits again (leases of the old process are revoked): it was logged.
        let restarted = try Running(data: data, traces: traces)
        defer { restarted.stop() }
        #expect(restarted.queue.depth == 1)
    }

    final class LockedBox<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: T?
        func set(_ value: T) { lock.withLock { stored = value } }
        var value: T? { lock.withLock { stored } }
    }

    /// Nothing a configured executor could not send reaches the queue's state, and nothing traps.
    @Test func unknownExecutorsForeignLeadersAndAbsurdTermsAreRefused() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        defer { running.stop() }
        _ = try running.client.call(QueueRPC.enqueue, ticket("a"))
        let invalid = RPCErrorCode.invalidParams.rawValue
        #expect(
            refusal(running.client, QueueRPC.lease, LeaseRequest(executor: 9, epoch: Epoch(term: 1, leader: 9)))
                == invalid)
        #expect(
            refusal(running.client, QueueRPC.lease, LeaseRequest(executor: 2, epoch: Epoch(term: 5, leader: 7)))
                == invalid)
        #expect(
            refusal(running.client, QueueRPC.lease, LeaseRequest(executor: 2, epoch: Epoch(term: .max, leader: 2)))
                == invalid)
        #expect(refusal(running.client, QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch, slot: 99)) == invalid)
        for term: UInt64 in [1 << 63, .max, 0] {
            let ack = AckRequest(orderId: "a", executor: 2, epoch: Epoch(term: term, leader: 2), leaseId: .max)
            #expect(refusal(running.client, QueueRPC.ack, ack) == invalid, "term \(term)")
            #expect(refusal(running.client, QueueRPC.release, ack) == invalid, "term \(term)")
        }
        #expect(
            refusal(running.client, QueueRPC.ack, AckRequest(orderId: "a b", executor: 2, epoch: epoch, leaseId: 1))
                == invalid
        )
        #expect(refusal(running.client, QueueRPC.enqueue, ticket(String(repeating: "x", count: 65))) == invalid)
        let state = try running.client.call(QueueRPC.inspect, NoPayload())
        #expect(state.highestEpoch == .none && state.leases.isEmpty && state.waiting.count == 1)
        // A lease id beyond Int64 is traced without trapping.
        let ack = AckRequest(orderId: "a", executor: 2, epoch: epoch, leaseId: .max)
        #expect(try running.client.call(QueueRPC.ack, ack) == AckAndLeaseReply(.noLease))
    }

    /// A ticket's parent span id is 16 lowercase hex digits or the enqueue is refused (`invalidParams`) before it
    /// reaches the queue; a good one is kept on disk and handed to the executor with the lease.
    @Test func aTicketsParentSpanIsValidatedKeptAcrossARestartAndLeasedWithTheOrder() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        var running = try Running(data: data, traces: traces)
        for bad in ["B7AD6B7169203331", "b7ad6b716920333", "b7ad6b71692033310", "0000000000000000", "b7ad-b7169203331"]
        {
            var refused = ticket("bad")
            refused.parentSpanId = bad
            #expect(refusal(running.client, QueueRPC.enqueue, refused) == RPCErrorCode.invalidParams.rawValue, "\(bad)")
        }
        var good = ticket("a")
        good.parentSpanId = "b7ad6b7169203331"
        _ = try running.client.call(QueueRPC.enqueue, good)
        #expect(try running.client.call(QueueRPC.inspect, NoPayload()).waiting.map(\.orderId) == ["a"])
        running.stop()

        running = try Running(data: data, traces: traces)
        defer { running.stop() }
        let reply = try running.client.call(QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch))
        guard case .leased(_, let order, _, _) = reply else { throw Unexpected(reply: reply) }
        #expect(order.ticket == good)
    }
}
