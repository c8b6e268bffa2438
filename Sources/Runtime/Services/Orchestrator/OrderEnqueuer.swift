import Checkout
import ClusterProtocol
import RPC
import TraceFormat

/// Stores approved orders in the queue. Checkouts that enqueue while another batch is out share one `enqueueBatch`
/// call (`CallCoalescer`, with the fan-out's `fanOutBatch` settings), so their orders share one queue request and one
/// log batch; a checkout that finds the slot free makes its own `enqueue` call, exactly as before.
struct OrderEnqueuer: Sendable {
    /// What one checkout stores.
    struct Question: Sendable {
        /// The ticket, whose `parentSpanId` is `call`'s span.
        let ticket: OrderTicket
        /// The checkout's span.
        let trace: TraceContext
        /// The enqueue's own span (the order's producer span): a call of its own is made in it, a batch item names it,
        /// so the queue's `queue.enqueue` record is in it either way.
        let call: TraceContext
        /// False for an order too large to share a batch (see `CheckoutFanOut.maxBatchedEnvelopeBytes`).
        let mayShare: Bool
    }

    /// The queue's answer for one order, and the trace of the batched call that carried it (nil: a call of its own).
    typealias Answer = (reply: Result<EnqueueReply, any Error>, batchTrace: String?)

    let queue: RPCClient
    /// Nil: every checkout makes its own call.
    private let coalescer: CallCoalescer<Question, Answer>?

    init(queue: RPCClient, batching: FanOutBatchSettings) {
        self.queue = queue
        let maxItems = min(batching.maxItems, BatchParams<OrderTicket>.maxItems)
        coalescer =
            maxItems > 1
            ? CallCoalescer(maxItems: maxItems, maxInFlight: batching.maxInFlight) { questions in
                questions.count == 1 ? [Self.alone(questions[0], queue)] : Self.together(questions, queue)
            } : nil
    }

    /// Stores `question`'s order: with its own `enqueue`, or in a batch with the orders of checkouts enqueuing at
    /// the same time (each answer is what a call of its own would give; a failed batch call fails every order in it,
    /// as the queue refuses a batch whole).
    func enqueue(_ question: Question) -> Answer {
        guard let coalescer, question.mayShare else { return Self.alone(question, queue) }
        return coalescer.call(question)
    }

    private static func alone(_ question: Question, _ queue: RPCClient) -> Answer {
        let reply = Result { () throws(RPCCallError) -> EnqueueReply in
            try queue.call(QueueRPC.enqueue, question.ticket, context: question.trace, callSpan: question.call)
        }
        return (reply.mapError { $0 }, nil)
    }

    /// Several checkouts' orders in one `enqueueBatch` call, in a trace of its own. Each order's enqueue span, which
    /// a call of its own would have opened with its `rpc.send`, is opened and closed in the order's trace with
    /// `span.start` and `span.end` (named `enqueue`), so the order's trace keeps one tree: the checkout's span, its
    /// enqueue span, the queue's span under it, and the executors' under the ticket's `parentSpanId`.
    private static func together(_ questions: [Question], _ queue: RPCClient) -> [Answer] {
        let batchTrace = TraceContext.newTrace()
        let started = MonotonicClock.nanos()
        for question in questions {
            queue.recorder.record(SpanStart(name: Self.spanName), context: question.call)
        }
        let params = BatchParams(
            items: questions.map { BatchItem(trace: $0.call.traceparent, params: $0.ticket) })
        let reply = Result { () throws(RPCCallError) -> BatchResults<EnqueueReply> in
            try queue.call(QueueRPC.enqueueBatch, params, context: batchTrace)
        }
        let answers: [Answer] = BatchResults.split(
            reply, count: questions.count, peer: queue.peer, method: QueueRPC.enqueueBatch.name
        ).map { ($0, batchTrace.traceID) }
        let duration = Int64(clamping: MonotonicClock.nanos() &- started)
        for (question, answer) in zip(questions, answers) {
            let error: String? = if case .failure(let failure) = answer.reply { "\(failure)" } else { nil }
            queue.recorder.record(
                SpanEnd(
                    name: Self.spanName, status: error == nil ? "ok" : "error", error: error, durationNanos: duration),
                context: question.call)
        }
        return answers
    }

    /// The name of an order's enqueue span when its enqueue went in a batch.
    static let spanName = "enqueue"
}
