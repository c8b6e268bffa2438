import Causality
import Checkout
import ClusterProtocol
import Foundation
import Logging
import RPC
import TraceFormat

/// The entry point: serves the checkout page and `POST /checkout`, fans out to verification, fraud detection
/// and suggestions concurrently, decides, and enqueues approved orders before replying.
///
/// The orchestrator gives every order its id (`OrderID`, a UUIDv7); a client's `traceparent` only places the
/// checkout in the client's trace. With an `Idempotency-Key` header, a repeated request gets the first answer
/// (see `IdempotencyTable`). "Order Approved" is only ever sent after the queue confirmed the order stored.
public final class OrchestratorService: Sendable {
    let config: ClusterConfig
    let fanOut: CheckoutFanOut
    let queue: RPCClient
    let metrics: RPCMetrics
    let keys: IdempotencyKeys
    let isDraining: @Sendable () -> Bool

    public init(config: ClusterConfig, host: ServiceHost) {
        self.config = config
        fanOut = CheckoutFanOut(
            verification: host.client(
                for: config.verification, deadline: .milliseconds(config.deadlines.verificationMs)),
            fraud: host.client(for: config.fraud, deadline: .milliseconds(config.deadlines.fraudMs)),
            suggestions: host.client(for: config.suggestions, deadline: .milliseconds(config.deadlines.suggestionsMs)),
            suggestionCount: config.suggestionCount)
        queue = host.client(for: config.queue, deadline: .milliseconds(config.deadlines.queueMs))
        metrics = host.metrics
        keys = IdempotencyKeys()
        isDraining = { [host] in host.isDraining }
    }

    public func register(into router: inout Router) {
        router.route("GET", "/") { _, _ in
            HTTPResponse.text(CheckoutPage.html, contentType: "text/html; charset=utf-8")
        }
        router.route("GET", "/index.html") { _, _ in
            HTTPResponse.text(CheckoutPage.html, contentType: "text/html; charset=utf-8")
        }
        router.route("GET", "/catalog") { _, _ in
            HTTPResponse.json(CheckoutPage.catalogTitles)
        }
        router.route("POST", "/checkout") { [self] request, context in
            let started = MonotonicClock.nanos()
            let (response, outcome) = checkout(request, context: context)
            metrics.counter("checkout_orders_total", [("outcome", outcome)]).increment()
            metrics.timer("checkout_duration_seconds").recordNanoseconds(Int64(MonotonicClock.nanos() - started))
            return response
        }
    }

    /// Handles one checkout. Every outcome is a JSON body: an `OrderStatusResponse` or a `CheckoutErrorBody`.
    /// - Returns: the response and the outcome's metric label (approved, rejected, bad_request, unavailable,
    ///   overloaded, conflict, replayed, error).
    func checkout(_ request: HTTPRequest, context: RequestContext) -> (HTTPResponse, String) {
        let traceID = context.trace.traceID
        if isDraining() {
            context.logger.notice("checkout refused: the orchestrator is stopping")
            return (CheckoutFailure.draining.response(traceID: traceID, orderID: nil), "unavailable")
        }
        let order: CheckoutRequest
        switch CheckoutDecoding.decode(request.body) {
        case .success(let decoded):
            order = decoded
        case .failure(let problem):
            context.logger.notice("checkout refused: \(problem.message)", metadata: ["bytes": "\(request.body.count)"])
            return (.error(problem.code, problem.message, traceID: traceID), "bad_request")
        }
        guard let key = request.header("idempotency-key") else {
            return attempt(order, orderID: OrderID.generate(), decided: nil, context: context).result
        }
        return checkout(order, key: key, body: request.body, context: context)
    }

    /// A checkout with an `Idempotency-Key`.
    private func checkout(
        _ order: CheckoutRequest, key: String, body: Data, context: RequestContext
    ) -> (HTTPResponse, String) {
        let traceID = context.trace.traceID
        if let problem = keys.problem(withKey: key) {
            context.logger.notice("checkout refused: \(problem)")
            return (.error(.invalidRequest, problem, traceID: traceID), "bad_request")
        }
        let outcome: Attempt
        switch keys.admit(key: key, body: body, freshOrderID: OrderID.generate()) {
        case .replay(let reply, let orderID):
            context.logger.info(
                "checkout repeated: the first reply is sent again", metadata: ["order_id": "\(orderID)"])
            let response = HTTPResponse(
                status: reply.status, headers: [("Content-Type", "application/json")], body: Data(reply.body))
            return (response, "replayed")
        case .otherBody(let orderID):
            let failure = CheckoutFailure(
                code: .conflict,
                message: "this Idempotency-Key was already used with another request body (order \(orderID))",
                status: 409)
            context.logger.notice(
                "checkout refused: key reused with another body", metadata: ["order_id": "\(orderID)"])
            return (failure.response(traceID: traceID, orderID: orderID), "conflict")
        case .busy(let orderID):
            let failure = CheckoutFailure(
                code: .conflict, message: "a request with this Idempotency-Key is still being handled; retry later",
                status: 409, retryAfter: CheckoutFailure.retryAfterSeconds)
            context.logger.notice(
                "checkout refused: its key's first request is still in flight", metadata: ["order_id": "\(orderID)"])
            return (failure.response(traceID: traceID, orderID: orderID), "conflict")
        case .fresh(let orderID):
            outcome = attempt(order, orderID: orderID, decided: nil, context: context)
        case .retry(let orderID, let decided):
            context.logger.info("checkout retried", metadata: ["order_id": "\(orderID)"])
            outcome = attempt(order, orderID: orderID, decided: decided, context: context)
        }
        keys.finish(key: key, state: outcome.state)
        metrics.gauge("checkout_idempotency_keys").record(keys.count)
        return outcome.result
    }

    /// One attempt at an order: a decision (unless `decided` holds an earlier approval), then the enqueue.
    struct Attempt {
        var result: (HTTPResponse, String)
        var state: IdempotencyKeys.Table.State
    }

    private func attempt(
        _ order: CheckoutRequest, orderID: String, decided: OrderStatusResponse?, context: RequestContext
    ) -> Attempt {
        let traceID = context.trace.traceID
        let log = OrderLog(context: context, orderID: orderID)
        var reply: OrderStatusResponse
        if var earlier = decided {
            earlier.traceId = traceID
            reply = earlier
        } else {
            log.info("checkout received", ["items": "\(order.items?.count ?? 0)"])
            switch decide(order, orderID: orderID, log: log) {
            case .success(let decision):
                reply = decision
            case .failure(let failure):
                return Attempt(
                    result: (failure.response(traceID: traceID, orderID: orderID), failure.outcomeLabel),
                    state: .retryable(decided: nil))
            }
        }
        if reply.status == OrderStatusResponse.approved {
            let ticket = OrderTicket(orderId: orderID, order: order, traceId: traceID)
            do {
                _ = try queue.call("enqueue", ticket, returning: EnqueueReply.self, context: context.trace)
            } catch {
                let failure = CheckoutFailure.of(error, step: .enqueue)
                log.error("checkout not confirmed: \(failure.message)", ["cause": "\(error)"])
                return Attempt(
                    result: (failure.response(traceID: traceID, orderID: orderID), failure.outcomeLabel),
                    state: .retryable(decided: reply))
            }
        }
        reply.vectorClock = recordDecision(reply, orderID: orderID, retried: decided != nil, context: context)
        let approved = reply.status == OrderStatusResponse.approved
        log.info(
            "checkout decided",
            ["status": .string(reply.status), "reasons": .string(reply.reasons.map(\.code).joined(separator: ","))])
        let body = (try? JSONCoding.encoder.encode(reply)) ?? Data("{}".utf8)
        return Attempt(
            result: (
                HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body),
                approved ? "approved" : "rejected"
            ),
            state: .final(.init(status: 200, body: [UInt8](body))))
    }

    /// Asks the services and decides; a reply with an empty clock (filled in once the decision is recorded).
    private func decide(
        _ order: CheckoutRequest, orderID: String, log: OrderLog
    ) -> Result<OrderStatusResponse, CheckoutFailure> {
        // Encoded once, sent twice (verification and fraud). The queue gets an `OrderTicket`: no card data.
        let envelope: Data
        do {
            envelope = try JSONCoding.encoder.encode(OrderEnvelope(orderId: orderID, order: order))
        } catch {
            log.error("cannot encode the order", ["cause": "\(error)"])
            return .failure(CheckoutFailure(code: .internalError, message: "internal error", status: 500))
        }
        let trace = log.context.trace
        let results = fanOut.ask(
            envelope: envelope, titles: CheckoutFanOut.titles(of: order), orderID: orderID, trace: trace)
        switch CheckoutDecision.evaluate(
            verification: results.verification, fraud: results.fraud, suggestions: results.suggestions)
        {
        case .failed(let error):
            let failure = CheckoutFailure.of(error, step: .decide)
            log.error("checkout failed: \(failure.message)", ["cause": "\(error)"])
            return .failure(failure)
        case .decided(let decision):
            if let reason = decision.suggestionsSkipped {
                log.notice("checkout goes on without suggestions: \(reason)", [:])
                log.context.record(ClusterProtocol.SuggestionsSkipped(order: orderID, reason: reason))
            }
            return .success(
                OrderStatusResponse(
                    orderId: orderID,
                    status: decision.approved ? OrderStatusResponse.approved : OrderStatusResponse.rejected,
                    suggestedBooks: decision.suggestedBooks, reasons: decision.reasons,
                    fraudScore: decision.fraudScore, fraudThreshold: decision.fraudThreshold, traceId: trace.traceID,
                    vectorClock: VectorClock()))
        }
    }

    /// Records `order.decision` (order id in `data.order`, the checkout's trace id in the event's `trace`).
    private func recordDecision(
        _ reply: OrderStatusResponse, orderID: String, retried: Bool, context: RequestContext
    ) -> VectorClock {
        context.record(
            OrderDecision(
                order: orderID,
                status: reply.status == OrderStatusResponse.approved
                    ? OrderDecision.approvedStatus : OrderDecision.rejectedStatus,
                reasons: reply.reasons.map(\.code), fraudScore: reply.fraudScore ?? 0, retried: retried))
    }
}

/// Log lines about one order: each carries the order id (the request's logger adds the trace id).
struct OrderLog {
    let context: RequestContext
    let orderID: String

    func info(_ message: String, _ metadata: Logger.Metadata) { write(.info, message, metadata) }
    func notice(_ message: String, _ metadata: Logger.Metadata) { write(.notice, message, metadata) }
    func error(_ message: String, _ metadata: Logger.Metadata) { write(.error, message, metadata) }

    private func write(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        var all = metadata
        all["order_id"] = .string(orderID)
        context.logger.log(level: level, "\(message)", metadata: all)
    }
}
