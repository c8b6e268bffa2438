import Causality
import Checkout
import ClusterProtocol
import CoreMetrics
import Foundation
import Logging
import OrchestratorCore
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
    /// Stores approved orders, batching the enqueues of concurrent checkouts.
    let enqueuer: OrderEnqueuer
    let metrics: RPCMetrics
    let keys: IdempotencyKeys
    let isDraining: @Sendable () -> Bool
    /// The metrics every checkout records, made once (see `CachedMetric`).
    let outcomes: CachedCounters
    let duration: CachedMetric<CoreMetrics.Timer>
    let keysGauge: CachedMetric<Gauge>

    public init(config: ClusterConfig, host: ServiceHost) {
        self.config = config
        fanOut = CheckoutFanOut(
            verification: host.client(
                for: config.verification, deadline: .milliseconds(config.deadlines.verificationMs)),
            fraud: host.client(for: config.fraud, deadline: .milliseconds(config.deadlines.fraudMs)),
            suggestions: host.client(for: config.suggestions, deadline: .milliseconds(config.deadlines.suggestionsMs)),
            suggestionCount: config.suggestionCount, batching: config.fanOutBatch)
        queue = host.client(for: config.queue, deadline: .milliseconds(config.deadlines.queueMs))
        enqueuer = OrderEnqueuer(queue: queue, batching: config.fanOutBatch)
        metrics = host.metrics
        keys = IdempotencyKeys()
        isDraining = { [host] in host.isDraining }
        let metrics = host.metrics
        outcomes = CachedCounters(metrics, "checkout_orders_total", dimension: "outcome")
        duration = CachedMetric { metrics.timer("checkout_duration_seconds") }
        keysGauge = CachedMetric { metrics.gauge("checkout_idempotency_keys") }
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
            outcomes.increment(outcome)
            duration.metric.recordNanoseconds(Int64(clamping: MonotonicClock.nanos() &- started))
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
        var run = CheckoutRun(service: self, flow: CheckoutFlow(order: order, traceID: traceID), context: context)
        guard let key = request.header("idempotency-key") else {
            return run.carryOut(.unkeyed(orderID: OrderID.generate()))
        }
        if let problem = keys.problem(withKey: key) {
            context.logger.notice("checkout refused: \(problem)")
            return (.error(.invalidRequest, problem, traceID: traceID), "bad_request")
        }
        run.key = key
        return run.carryOut(.keyed(keys.admit(key: key, body: request.body, freshOrderID: OrderID.generate())))
    }
}
