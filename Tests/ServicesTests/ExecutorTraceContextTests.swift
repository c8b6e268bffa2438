import Checkout
import OrderQueueCore
import Testing

@testable import Services

/// The trace context of the leader's work on one lease (`ExecutorNode.trace(of:lease:node:)`).
@Suite("Executor work trace context")
struct ExecutorTraceContextTests {
    static let traceId = "4bf92f3577b34da6a3ce929d0e0e4736"

    static func order(traceId: String?, parentSpanId: String?) -> QueuedOrder {
        QueuedOrder(
            orderId: "order-1", priority: OrderPriority(shippingWeight: 0, countryRank: 0), enqueueSequence: 1,
            enqueuedAtNanos: 0,
            ticket: OrderTicket(
                orderId: "order-1", items: [], shippingMethod: nil, country: nil, traceId: traceId,
                parentSpanId: parentSpanId))
    }

    @Test func theConsumerSpanIsAChildOfTheTicketsEnqueueSpanInTheOrdersTrace() {
        let context = ExecutorNode.trace(
            of: Self.order(traceId: Self.traceId, parentSpanId: "b7ad6b7169203331"), lease: 7, node: "executor-2")
        #expect(context.traceID == Self.traceId)
        #expect(context.parentSpanID == "b7ad6b7169203331")
        let again = ExecutorNode.trace(
            of: Self.order(traceId: Self.traceId, parentSpanId: nil), lease: 7, node: "executor-2")
        #expect(again.spanID == context.spanID, "the span id stays derived from order, lease and node")
        #expect(again.parentSpanID == nil, "a ticket without a parent span (an older orchestrator) gives no parent")
    }

    /// The lease reply is untrusted: a parent span id that is not a span id, or without a trace to belong to,
    /// is not used.
    @Test func aMalformedParentSpanOrAMissingTraceGivesNoParent() {
        for bad in ["B7AD6B7169203331", "b7ad6b71692033", "0000000000000000", "b7ad6b7169203331\n"] {
            let context = ExecutorNode.trace(
                of: Self.order(traceId: Self.traceId, parentSpanId: bad), lease: 7, node: "executor-2")
            #expect(context.traceID == Self.traceId && context.parentSpanID == nil, "\(bad.debugDescription)")
        }
        let untraced = ExecutorNode.trace(
            of: Self.order(traceId: nil, parentSpanId: "b7ad6b7169203331"), lease: 7, node: "executor-2")
        #expect(untraced.parentSpanID == nil)
    }
}
