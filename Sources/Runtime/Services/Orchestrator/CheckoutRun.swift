import Causality
import Checkout
import ClusterProtocol
import Foundation
import Logging
import OrchestratorCore
import RPC
import TraceFormat
import WireJSON

/// The thin shell around one `CheckoutFlow`: it carries out the flow's directives (the services' calls, the
/// enqueue, the trace records, the log lines, the reply, the key's memory) and feeds the answers back.
struct CheckoutRun {
    let service: OrchestratorService
    var flow: CheckoutFlow
    let context: RequestContext
    /// The request's `Idempotency-Key`, when it has one.
    var key: String?
    /// The clock of the recorded decision, for the reply.
    private var decisionClock = VectorClock()
    /// The trace of the batched calls that asked the services about this order, when it shared them.
    private var fanOutTrace: String?
    /// The trace of the batched call that stored this order, when it shared one.
    private var enqueueTrace: String?
    /// The order's encoded envelope's size (0 until the services were asked).
    private var envelopeBytes = 0
    private var reply: (response: HTTPResponse, label: String)?
    private var replyBody: [UInt8] = []

    init(service: OrchestratorService, flow: CheckoutFlow, context: RequestContext) {
        self.service = service
        self.flow = flow
        self.context = context
    }

    /// Runs the flow from its admission to its reply.
    mutating func carryOut(_ admission: CheckoutFlow.Admission) -> (HTTPResponse, String) {
        // A stack, next directive last: a directive's answers are carried out before the directives after it.
        var pending = Array(flow.onRequest(admission).reversed())
        while let directive = pending.popLast() {
            pending.append(contentsOf: carry(directive).reversed())
        }
        guard let reply else {
            log(.init(.error, "checkout ended without a reply"))
            return (CheckoutFailure.internalError.response(traceID: flow.traceID, orderID: flow.orderID), "error")
        }
        return reply
    }

    /// Carries out one directive; returns the flow's directives in answer to what it did.
    private mutating func carry(_ directive: CheckoutDirective) -> [CheckoutDirective] {
        switch directive {
        case .log(let line):
            log(line)
        case .askServices(let orderID, let order):
            return ask(orderID: orderID, order: order)
        case .enqueue(var ticket):
            // The enqueue call (the order's producer span) is made here so that the ticket can name it: the
            // executors' consumer span becomes its child, and the order's trace keeps one root.
            // A batch item names this span: the queue records the order's `queue.enqueue` in it either way.
            let call = context.trace.child()
            ticket.parentSpanId = call.spanID
            let answer = service.enqueuer.enqueue(
                .init(
                    ticket: ticket, trace: context.trace, call: call,
                    mayShare: envelopeBytes > 0 && envelopeBytes <= service.fanOut.maxBatchedEnvelopeBytes))
            enqueueTrace = answer.batchTrace
            return flow.onEnqueue(answer.reply.map { _ in () })
        case .recordSuggestionsSkipped(let orderID, let reason):
            recordSuggestionsSkipped(orderID: orderID, reason: reason)
        case .recordDecision(let orderID, let decision, let retried):
            decisionClock = recordDecision(decision, orderID: orderID, retried: retried)
        case .reply(let answer):
            reply = (response(to: answer), answer.outcomeLabel)
        case .remember(let memory):
            remember(memory)
        }
        return []
    }

    /// Asks the three services at once and feeds their answers to the flow.
    private mutating func ask(orderID: String, order: CheckoutRequest) -> [CheckoutDirective] {
        // Encoded once, sent twice (verification and fraud). The queue gets an `OrderTicket`: no card data.
        let envelope: Data
        do {
            let message = OrderEnvelope(orderId: orderID, order: order)
            envelope = try message.wireJSON.map { Data($0) } ?? JSONCoding.encoder.encode(message)
        } catch {
            return flow.onEncodingFailure("\(error)")
        }
        let results = service.fanOut.ask(
            envelope: envelope, titles: CheckoutFanOut.titles(of: order), orderID: orderID, trace: context.trace)
        fanOutTrace = results.batchTrace
        envelopeBytes = envelope.count
        return flow.onVerification(results.verification) + flow.onFraud(results.fraud)
            + flow.onSuggestions(results.suggestions)
    }

    /// The HTTP response of the flow's answer.
    private mutating func response(to answer: CheckoutReply) -> HTTPResponse {
        switch answer {
        case .replayed(let stored):
            return HTTPResponse(
                status: stored.status, headers: [("Content-Type", "application/json")], body: Data(stored.body))
        case .failed(let failure, let orderID):
            return failure.response(traceID: flow.traceID, orderID: orderID)
        case .decided(let orderID, let decision):
            let status = OrderStatusResponse(
                orderId: orderID, status: decision.status, suggestedBooks: decision.suggestedBooks,
                reasons: decision.reasons, fraudScore: decision.fraudScore, fraudThreshold: decision.fraudThreshold,
                traceId: flow.traceID, vectorClock: decisionClock)
            replyBody = status.body
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data(replyBody))
        }
    }

    /// Tells the key's entry how the request ended.
    private func remember(_ memory: CheckoutMemory) {
        guard let key else { return }
        switch memory {
        case .retryable(let decided):
            service.keys.finish(key: key, state: .retryable(decided: decided))
        case .finalReply:
            service.keys.finish(key: key, state: .final(.init(status: 200, body: replyBody)))
        }
        service.keysGauge.metric.record(service.keys.count)
    }

    /// Writes `line` with the order id, building its metadata only when the logger's level lets it through.
    private func log(_ line: CheckoutLogLine) {
        let level: Logger.Level =
            switch line.level {
            case .debug: .debug
            case .info: .info
            case .notice: .notice
            case .error: .error
            }
        guard context.logLevel <= level else { return }
        var metadata = line.metadata.mapValues { Logger.MetadataValue.string($0) }
        metadata["order_id"] = .string(flow.orderID ?? "")
        context.log(level: level, "\(line.message)", metadata: metadata)
    }

    /// Records `suggestions.skipped`.
    private func recordSuggestionsSkipped(orderID: String, reason: String) {
        context.record(ClusterProtocol.SuggestionsSkipped(order: orderID, reason: reason))
    }

    /// Records `order.decision` (order id in `data.order`, the checkout's trace id in the event's `trace`).
    private func recordDecision(_ decision: CheckoutDecision, orderID: String, retried: Bool) -> VectorClock {
        context.record(
            OrderDecision(
                order: orderID,
                status: decision.approved ? OrderDecision.approvedStatus : OrderDecision.rejectedStatus,
                reasons: decision.reasons.map(\.code), fraudScore: decision.fraudScore, retried: retried,
                fanOutTrace: fanOutTrace, enqueueTrace: enqueueTrace))
    }
}
