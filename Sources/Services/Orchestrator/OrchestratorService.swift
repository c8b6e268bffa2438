import Causality
import Checkout
import Dispatch
import Foundation
import Logging
import RPC
import TraceFormat

/// The entry point: serves the checkout page and `POST /checkout`, fans out to verification, fraud detection
/// and suggestions concurrently, decides, and enqueues approved orders before replying.
public final class OrchestratorService: Sendable {
    let config: ClusterConfig
    let verification: RPCClient
    let fraud: RPCClient
    let suggestions: RPCClient
    let queue: RPCClient
    let metrics: RPCMetrics
    private static let fanOut = DispatchQueue(label: "orchestrator-fan-out", attributes: .concurrent)

    public init(config: ClusterConfig, host: ServiceHost) {
        self.config = config
        verification = host.client(for: config.verification, deadline: .milliseconds(config.deadlines.verificationMs))
        fraud = host.client(for: config.fraud, deadline: .milliseconds(config.deadlines.fraudMs))
        suggestions = host.client(for: config.suggestions, deadline: .milliseconds(config.deadlines.suggestionsMs))
        queue = host.client(for: config.queue, deadline: .milliseconds(config.deadlines.queueMs))
        metrics = host.metrics
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

    /// Handles one checkout. Every outcome is a JSON body: an `OrderStatusResponse` or an `ErrorBody`.
    /// - Returns: the response and the outcome's metric label (approved, rejected, bad_request, unavailable).
    func checkout(_ request: HTTPRequest, context: RequestContext) -> (HTTPResponse, String) {
        let orderID = context.trace.traceID
        let order: CheckoutRequest
        switch CheckoutDecoding.decode(request.body) {
        case .success(let decoded):
            order = decoded
        case .failure(let problem):
            context.logger.notice(
                "checkout refused: \(problem.message)",
                metadata: ["order_id": .string(orderID), "bytes": "\(request.body.count)"])
            return (.error(problem.code, problem.message, traceID: orderID), "bad_request")
        }
        context.logger.info(
            "checkout received",
            metadata: ["order_id": .string(orderID), "items": "\(order.items?.count ?? 0)"])

        // Encoded once, sent three times (verification, fraud, and the queue's `enqueue`, whose params have the same
        // shape): encoding the order was the orchestrator's largest cost per checkout after the network.
        let envelope: Data
        do {
            envelope = try JSONCoding.encoder.encode(OrderEnvelope(orderId: orderID, order: order))
        } catch {
            context.logger.error(
                "cannot encode the order", metadata: ["order_id": .string(orderID), "cause": "\(error)"])
            return (.error(.internalError, "internal error", traceID: orderID), "error")
        }
        let titles = (order.items ?? []).compactMap(\.name).prefix(50).map { String($0.prefix(200)) }
        let calls = FanOut()
        let group = DispatchGroup()
        let trace = context.trace
        Self.fanOut.async(group: group) { [self] in
            calls.set(
                verification: Result {
                    try verification.call(
                        "verify", encodedParams: envelope, returning: VerificationResult.self, context: trace)
                })
        }
        Self.fanOut.async(group: group) { [self] in
            calls.set(
                fraud: Result {
                    try fraud.call("assess", encodedParams: envelope, returning: FraudAssessment.self, context: trace)
                })
        }
        // The third call runs on this thread: one fewer hop.
        calls.set(
            suggestions: Result {
                try suggestions.call(
                    "suggest",
                    SuggestionRequest(orderId: orderID, orderedTitles: Array(titles), count: config.suggestionCount),
                    returning: SuggestionResult.self, context: trace)
            })
        group.wait()

        let outcome = calls.snapshot()
        let verified: VerificationResult
        let assessed: FraudAssessment
        let suggested: SuggestionResult
        do {
            verified = try outcome.verification!.get()
            assessed = try outcome.fraud!.get()
            suggested = try outcome.suggestions!.get()
        } catch {
            return (downstreamFailure(error, orderID: orderID, context: context), "unavailable")
        }

        let reasons =
            verified.failures + assessed.rulesFired
            + (assessed.score >= assessed.threshold
                ? [
                    Finding(
                        code: "fraud_model_score",
                        message: String(
                            format: "fraud model score %.3f is at or above the threshold %.3f", assessed.score,
                            assessed.threshold))
                ]
                : [])
        let approved = verified.valid && !assessed.fraudulent
        if approved {
            do {
                _ = try queue.call(
                    "enqueue", OrderTicket(orderId: orderID, order: order, traceId: orderID),
                    returning: EnqueueReply.self, context: trace)
            } catch {
                return (downstreamFailure(error, orderID: orderID, context: context), "unavailable")
            }
        }
        let status = approved ? OrderStatusResponse.approved : OrderStatusResponse.rejected
        let clock = context.record(
            .orderDecision,
            data: [
                "order": .string(orderID), "status": .string(approved ? "approved" : "rejected"),
                "reasons": .array(reasons.map { .string($0.code) }), "fraud_score": .double(assessed.score),
            ])
        context.logger.info(
            "checkout decided",
            metadata: [
                "order_id": .string(orderID), "status": .string(status),
                "reasons": .string(reasons.map(\.code).joined(separator: ",")),
            ])
        let reply = OrderStatusResponse(
            orderId: orderID, status: status, suggestedBooks: approved ? suggested.books : [], reasons: reasons,
            fraudScore: assessed.score, fraudThreshold: assessed.threshold, traceId: orderID, vectorClock: clock)
        return (.json(reply), approved ? "approved" : "rejected")
    }

    private func downstreamFailure(_ error: any Error, orderID: String, context: RequestContext) -> HTTPResponse {
        guard let failure = error as? RPCCallError else {
            context.logger.error("checkout failed", metadata: ["order_id": .string(orderID), "cause": "\(error)"])
            return .error(.internalError, "internal error", traceID: orderID)
        }
        let message: String
        switch failure.kind {
        case .deadlineExceeded: message = "\(failure.peer) service did not answer in time (\(failure.method))"
        case .unavailable(let reason): message = "\(failure.peer) service is unavailable: \(reason)"
        case .remote(let remote): message = "\(failure.peer) service failed: \(remote.message)"
        case .badReply(let status, _): message = "\(failure.peer) service gave a bad reply (HTTP \(status))"
        case .encoding(let reason): message = "cannot send the order to \(failure.peer): \(reason)"
        }
        context.logger.error(
            "checkout failed: \(message)",
            metadata: ["order_id": .string(orderID), "peer": .string(failure.peer), "cause": "\(failure)"])
        let code: RPCErrorCode = failure.kind == .deadlineExceeded ? .deadlineExceeded : .unavailable
        return .error(code, message, traceID: orderID, status: 503)
    }
}

/// The three concurrent calls' results.
private final class FanOut: @unchecked Sendable {
    struct Results {
        var verification: Result<VerificationResult, any Error>?
        var fraud: Result<FraudAssessment, any Error>?
        var suggestions: Result<SuggestionResult, any Error>?
    }

    private let lock = NSLock()
    private var results = Results()

    func set(verification: Result<VerificationResult, any Error>) {
        lock.withLock { results.verification = verification }
    }
    func set(fraud: Result<FraudAssessment, any Error>) { lock.withLock { results.fraud = fraud } }
    func set(suggestions: Result<SuggestionResult, any Error>) { lock.withLock { results.suggestions = suggestions } }
    func snapshot() -> Results { lock.withLock { results } }
}
