import Checkout
import ClusterProtocol
import Election
import Foundation
import OrderQueueCore
import RPC
import Services
import Synchronization
import Testing
import TraceFormat

/// `queue.lease` as a long poll against a real `QueueService` behind a real server (a thread per connection): a
/// held request is answered as soon as an order is stored, times out `empty`, is fenced when a newer epoch shows up
/// while it waits, is bounded in number, is replaced by a newer request of its slot, and is answered at once when
/// the queue stops; requests held meanwhile do not hold up the queue's other requests.
@Suite("Queue long polls", .serialized)
struct QueueLongPollTests {
    /// An in-memory queue on a free port.
    final class Running: Sendable {
        let queue: QueueService
        let server: RPCServer
        let client: RPCClient

        init(maxHeldLeases: Int? = nil) throws {
            queue = QueueService(
                policy: .default,
                settings: .init(
                    leaseDuration: .seconds(2), replicas: [1, 2, 3], slots: 4, maxHeldLeases: maxHeldLeases))
            var router = Router()
            queue.register(into: &router)
            let recorder = TraceRecorder(node: "queue", writer: nil)
            server = RPCServer(
                configuration: .init(threads: 2, threadPerConnection: true), router: router, recorder: recorder,
                logger: quietLogger)
            try server.start()
            client = RPCClient(
                peer: "queue", baseURL: "http://127.0.0.1:\(server.port)",
                recorder: TraceRecorder(node: "executor-2", writer: nil), logger: quietLogger,
                defaultDeadline: .seconds(10))
        }

        func stop() {
            queue.beginStop()
            server.stop()
            queue.close()
        }

        /// Starts a lease call on its own thread.
        func lease(_ request: LeaseRequest) -> PendingCall<LeaseReply> {
            PendingCall { [client] in try client.call(QueueRPC.lease, request, deadline: .seconds(10)) }
        }

        func enqueue(_ id: String) throws {
            _ = try client.call(
                QueueRPC.enqueue,
                OrderTicket(orderId: id, items: [.init(name: "Dune", quantity: 1)], shippingMethod: nil, country: nil))
        }
    }

    /// A blocking call running on its own thread, and when it ended (monotonic nanoseconds).
    final class PendingCall<T: Sendable>: Sendable {
        private let outcome = Mutex<(Result<T, any Error>, UInt64)?>(nil)
        private let done = DispatchSemaphore(value: 0)

        init(_ body: @escaping @Sendable () throws -> T) {
            Thread.detachNewThread { [self] in
                let result = Result { try body() }
                outcome.withLock { $0 = (result, MonotonicClock.nanos()) }
                done.signal()
            }
        }

        /// The outcome and its time, or nil when the call is still under way after `seconds`.
        func wait(seconds: Double) -> (Result<T, any Error>, UInt64)? {
            guard done.wait(timeout: .now() + seconds) == .success else { return nil }
            done.signal()
            return outcome.withLock { $0 }
        }

        var isDone: Bool { outcome.withLock { $0 != nil } }

        /// The call's result once it ended (nil before, or when it failed).
        var answer: T? { outcome.withLock { try? $0?.0.get() } }
    }

    let epoch = Epoch(term: 3, leader: 2)

    func request(slot: Int = 0, epoch: Epoch? = nil, waitMs: Int? = 5_000) -> LeaseRequest {
        LeaseRequest(executor: (epoch ?? self.epoch).leader, epoch: epoch ?? self.epoch, slot: slot, waitMs: waitMs)
    }

    func reply(_ pending: PendingCall<LeaseReply>, within seconds: Double) throws -> (LeaseReply, UInt64) {
        let (result, at) = try #require(pending.wait(seconds: seconds), "no answer within \(seconds) s")
        return (try result.get(), at)
    }

    @Test func aHeldLeaseIsAnsweredAsSoonAsAnOrderIsStoredWhileOtherRequestsGoThrough() throws {
        let running = try Running()
        defer { running.stop() }
        let polls = (0..<3).map { running.lease(request(slot: $0)) }
        Thread.sleep(forTimeInterval: 0.3)
        #expect(polls.allSatisfy { !$0.isDone }, "an empty queue holds the requests")
        #expect(running.queue.heldLeaseRequests == 3)
        // The queue's other requests are not held up by the held ones.
        let inspectStart = MonotonicClock.nanos()
        let snapshot = try running.client.call(QueueRPC.inspect, NoPayload())
        #expect(snapshot.waiting.isEmpty)
        #expect(MonotonicClock.nanos() - inspectStart < 500_000_000)
        let stored = MonotonicClock.nanos()
        try running.enqueue("order-a")
        // One held request (the oldest) takes it at once; the others keep waiting.
        let (first, at) = try answered(polls, within: 2)
        guard case .leased(let lease, let order, false, 0) = polls[first].answer else {
            Issue.record("expected a lease, got \(String(describing: polls[first].answer))")
            return
        }
        #expect(order.orderId == "order-a" && lease.slot == first && lease.epoch == epoch)
        let latency = Double(at - stored) / 1e6
        #expect(latency < 50, "leased \(latency) ms after the enqueue was sent")
        Thread.sleep(forTimeInterval: 0.1)
        let others = polls.indices.filter { $0 != first }
        #expect(others.allSatisfy { !polls[$0].isDone })
        try running.enqueue("order-b")
        let (second, _) = try answered(others.map { polls[$0] }, within: 2)
        guard case .leased(_, let next, _, _) = others.map({ polls[$0] })[second].answer else {
            Issue.record("expected a lease")
            return
        }
        #expect(next.orderId == "order-b")
        #expect(others.filter { polls[$0].isDone }.count == 1)
    }

    /// The index of the first of `calls` to end, and when it ended.
    func answered(_ calls: [PendingCall<LeaseReply>], within seconds: Double) throws -> (Int, UInt64) {
        let end = Date(timeIntervalSinceNow: seconds)
        while Date() < end {
            if let index = calls.firstIndex(where: \.isDone), let (_, at) = calls[index].wait(seconds: 0) {
                return (index, at)
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
        throw RPCError(.unavailable, "no held request was answered within \(seconds) s")
    }

    @Test func aHeldLeaseEndsEmptyWhenItsWaitPasses() throws {
        let running = try Running()
        defer { running.stop() }
        let start = MonotonicClock.nanos()
        let (answer, at) = try reply(running.lease(request(waitMs: 300)), within: 3)
        #expect(answer == .empty(depth: 0))
        let held = Double(at - start) / 1e6
        #expect(held >= 290 && held < 2_000, "held \(held) ms")
        #expect(running.queue.heldLeaseRequests == 0)
    }

    @Test func aRequestWithoutAWaitIsAnsweredAtOnce() throws {
        let running = try Running()
        defer { running.stop() }
        let start = MonotonicClock.nanos()
        let (answer, at) = try reply(running.lease(request(waitMs: nil)), within: 3)
        #expect(answer == .empty(depth: 0))
        #expect(at - start < 500_000_000)
    }

    @Test func aHeldLeaseOfADeposedLeaderIsFencedWhenANewerEpochIsSeenAndNeverGetsAnOrder() throws {
        let running = try Running()
        defer { running.stop() }
        let stale = running.lease(request())
        Thread.sleep(forTimeInterval: 0.2)
        let newer = Epoch(term: 4, leader: 3)
        let (newest, _) = try reply(running.lease(request(epoch: newer, waitMs: nil)), within: 3)
        #expect(newest == .empty(depth: 0))
        let (answer, _) = try reply(stale, within: 1)
        #expect(answer == .fenced(by: newer))
        try running.enqueue("order-a")
        #expect(running.queue.snapshot.leases.isEmpty, "no lease under the stale epoch")
        let (taken, _) = try reply(running.lease(request(epoch: newer)), within: 3)
        guard case .leased(let lease, _, _, _) = taken else {
            Issue.record("expected a lease, got \(taken)")
            return
        }
        #expect(lease.epoch == newer)
    }

    @Test func requestsBeyondTheBoundAreAnsweredAtOnceAndANewerRequestOfTheSameSlotReplacesTheHeldOne() throws {
        let running = try Running(maxHeldLeases: 1)
        defer { running.stop() }
        let held = running.lease(request(slot: 0))
        Thread.sleep(forTimeInterval: 0.2)
        let start = MonotonicClock.nanos()
        let (beyond, at) = try reply(running.lease(request(slot: 1)), within: 3)
        #expect(beyond == .empty(depth: 0))
        #expect(at - start < 500_000_000, "answered at once beyond the bound")
        #expect(!held.isDone)
        let replacement = running.lease(request(slot: 0))
        let (replaced, _) = try reply(held, within: 1)
        #expect(replaced == .empty(depth: 0))
        Thread.sleep(forTimeInterval: 0.1)
        #expect(!replacement.isDone && running.queue.heldLeaseRequests == 1)
        // A request of the slot without a wait (an executor's clean stop) ends the held one too.
        let (atOnce, _) = try reply(running.lease(request(slot: 0, waitMs: nil)), within: 3)
        #expect(atOnce == .empty(depth: 0))
        let (ended, _) = try reply(replacement, within: 1)
        #expect(ended == .empty(depth: 0))
        #expect(running.queue.heldLeaseRequests == 0)
    }

    @Test func aCleanStopAnswersHeldLeasesAtOnce() throws {
        let running = try Running()
        let polls = (0..<2).map { running.lease(request(slot: $0)) }
        Thread.sleep(forTimeInterval: 0.2)
        let start = MonotonicClock.nanos()
        running.queue.beginStop()
        for poll in polls {
            let (answer, at) = try reply(poll, within: 1)
            #expect(answer == .empty(depth: 0))
            #expect(at - start < 500_000_000)
        }
        running.stop()
        #expect(MonotonicClock.nanos() - start < 2_000_000_000)
    }

    @Test func aLeaseGrantedToAHeldRequestIsInTheWriteAheadLog() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        var config = ClusterConfig()
        config.queue.address = "127.0.0.1:0"
        func start() throws -> (RPCServer, QueueService, ServiceHost, RPCClient) {
            let host = try ServiceHost(node: "queue", tracesDirectory: traces)
            let (server, queue) = try ServiceFactory.startQueue(config: config, host: host, dataDirectory: data)
            let client = RPCClient(
                peer: "queue", baseURL: "http://127.0.0.1:\(server.port)",
                recorder: TraceRecorder(node: "executor-2", writer: nil), logger: quietLogger,
                defaultDeadline: .seconds(10), credential: ServiceHost.processCredential)
            return (server, queue, host, client)
        }
        var (server, queue, host, client) = try start()
        let poll = PendingCall { [client, epoch] in
            try client.call(QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch, slot: 0, waitMs: 5_000))
        }
        Thread.sleep(forTimeInterval: 0.2)
        let ticket = OrderTicket(
            orderId: "a", items: [.init(name: "Dune", quantity: 1)], shippingMethod: nil, country: nil)
        _ = try client.call(QueueRPC.enqueue, ticket)
        let (first, _) = try reply(poll, within: 3)
        guard case .leased(let lease, _, _, _) = first else {
            Issue.record("expected a lease, got \(first)")
            return
        }
        #expect(lease.delivery == 1)
        queue.beginStop()
        server.stop()
        queue.close()
        host.shutdown()
        // The restarted queue read the lease from its log: it revoked it, and the order's next delivery is the second.
        (server, queue, host, client) = try start()
        defer {
            server.stop()
            queue.close()
            host.shutdown()
        }
        let again = try client.call(QueueRPC.lease, LeaseRequest(executor: 2, epoch: epoch, slot: 0))
        guard case .leased(let second, _, _, _) = again else {
            Issue.record("expected a lease, got \(again)")
            return
        }
        #expect(second.orderId == "a" && second.delivery == 2 && second.id > lease.id)
    }

    @Test func aWaitOutsideItsBoundIsRefused() throws {
        let running = try Running()
        defer { running.stop() }
        for wait in [-1, QueueBounds.maxLeaseWaitMs + 1] {
            #expect(throws: RPCCallError.self) {
                try running.client.call(QueueRPC.lease, request(waitMs: wait))
            }
        }
    }
}
