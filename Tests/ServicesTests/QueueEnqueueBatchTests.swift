import Checkout
import ClusterProtocol
import Foundation
import OrderQueueCore
import RPC
import Services
import Testing
import TraceFormat

/// `queue.enqueueBatch`: several checkouts' orders in one call and one log batch, each answered as its own `enqueue`
/// would be and recorded in its own checkout's trace; a batch whose new orders do not all fit is refused whole.
@Suite("Queue: batched enqueues", .serialized)
struct QueueEnqueueBatchTests {
    typealias Running = QueueDurabilityTests.Running

    func ticket(_ id: String) -> OrderTicket {
        OrderTicket(orderId: id, items: [.init(name: "Dune", quantity: 1)], shippingMethod: "Express", country: "EE")
    }

    /// A batch item in a trace of its own (as each checkout's enqueue span).
    func item(_ id: String) -> (BatchItem<OrderTicket>, TraceContext) {
        let span = TraceContext.newTrace().child()
        return (BatchItem(trace: span.traceparent, params: ticket(id)), span)
    }

    @Test func aBatchStoresEachOrderInOneLogBatchAndAnswersAsItsOwnEnqueueWould() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        _ = try running.client.call(QueueRPC.enqueue, ticket("a"))
        let items = ["b", "a", "c"].map(item)
        let batches = running.queue.logStatistics?.batches ?? 0
        let reply = try running.client.call(QueueRPC.enqueueBatch, BatchParams(items: items.map(\.0)))
        #expect(running.queue.logStatistics?.batches == batches + 1, "three orders, one log batch")
        #expect(
            reply.results == [.stored(position: 1, depth: 2), .duplicate(depth: 2), .stored(position: 2, depth: 3)])
        let state = try running.client.call(QueueRPC.inspect, NoPayload())
        #expect(state.waiting.map(\.orderId) == ["a", "b", "c"])
        running.stop()

        let events = try readRun(traces)["queue", default: []]
        for (index, id) in ["b", "a", "c"].enumerated() {
            let records = events.filter {
                $0.payload(QueueEnqueue.self)?.order == id && $0.traceID == items[index].1.traceID
            }
            #expect(records.count == 1, "order \(id): its queue.enqueue is in its own checkout's trace")
            #expect(records.first?.parentSpanID == items[index].1.spanID, "order \(id): under its enqueue span")
        }
    }

    @Test func aBatchWhoseNewOrdersDoNotAllFitIsRefusedWholeAndStoresNothing() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces) { $0.queueStore.maxWaiting = 3 }
        defer { running.stop() }
        for id in ["a", "b"] { _ = try running.client.call(QueueRPC.enqueue, ticket(id)) }
        let tooMany = BatchParams(items: ["c", "d"].map { item($0).0 })
        #expect(refusal(running.client, QueueRPC.enqueueBatch, tooMany) == RPCErrorCode.overloaded.rawValue)
        #expect(try running.client.call(QueueRPC.inspect, NoPayload()).waiting.map(\.orderId) == ["a", "b"])
        // One new order fits exactly, as its own enqueue would; the known one is a duplicate.
        let fits = BatchParams(items: ["a", "c"].map { item($0).0 })
        let reply = try running.client.call(QueueRPC.enqueueBatch, fits)
        #expect(reply.results == [.duplicate(depth: 2), .stored(position: 2, depth: 3)])
        // Full now: only known orders are answered.
        let known = BatchParams(items: ["b", "c"].map { item($0).0 })
        #expect(try running.client.call(QueueRPC.enqueueBatch, known).results.allSatisfy { !$0.isStored })
    }

    @Test func aBatchWithABadTicketOrTraceIsRefusedWholeBeforeAnyOrderIsStored() throws {
        let data = temporaryPath("queue-data")
        let traces = temporaryPath("queue-traces")
        defer { for path in [data, traces] { try? FileManager.default.removeItem(atPath: path) } }
        let running = try Running(data: data, traces: traces)
        defer { running.stop() }
        var hostile = ticket("y")
        hostile.items = [.init(name: "Dune", quantity: Int.max)]
        let badTicket = BatchParams(items: [item("x").0, BatchItem(trace: item("y").0.trace, params: hostile)])
        #expect(refusal(running.client, QueueRPC.enqueueBatch, badTicket) == RPCErrorCode.invalidParams.rawValue)
        let badTrace = BatchParams(items: [item("x").0, BatchItem(trace: "00-nothex", params: ticket("z"))])
        #expect(refusal(running.client, QueueRPC.enqueueBatch, badTrace) == RPCErrorCode.invalidParams.rawValue)
        #expect(try running.client.call(QueueRPC.inspect, NoPayload()).waiting.isEmpty, "an order was stored")
    }

    /// The JSON-RPC error code of a refused call (nil when it succeeded).
    func refusal<P, R>(_ client: RPCClient, _ method: RPCMethod<P, R>, _ params: P) -> Int? {
        QueueDurabilityTests().refusal(client, method, params)
    }
}
