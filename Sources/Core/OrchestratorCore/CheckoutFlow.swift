import Checkout

/// One checkout as a pure state machine: the shell feeds it the request's admission and the services' answers,
/// and carries out the directives it returns (like `BullyElection`). No IO, clock or randomness inside: the order
/// id and the trace id come in; per-call deadlines are the RPC client's and arrive as failures.
///
/// The path: `onRequest` → (ask the three services at once → `onVerification`, `onFraud`, `onSuggestions`) →
/// decision → (approved: `enqueue` → `onEnqueue`) → record the decision → reply → remember the key's answer.
/// Verification and fraud detection are required (their failure is a 503 to retry); suggestions are optional.
/// "Order Approved" is only replied after the queue confirmed the order stored.
public struct CheckoutFlow: Sendable {
    /// How the request came in.
    public enum Admission: Sendable {
        /// Without an `Idempotency-Key`: a new order with this fresh id.
        case unkeyed(orderID: String)
        /// With a key: what the `Idempotency-Key` table made of it.
        case keyed(IdempotencyTable<CheckoutDecision>.Admission)
    }

    /// Where the checkout stands.
    public enum Phase: Sendable, Equatable {
        /// Waiting for `onRequest`.
        case idle
        /// Waiting for the three services' answers.
        case asking
        /// Waiting for the queue to confirm the approved order.
        case enqueuing
        /// Replied.
        case done
    }

    /// The decoded order.
    public let order: CheckoutRequest
    /// The checkout's W3C trace id (the client's, when it sent a `traceparent`).
    public let traceID: String
    /// Where the checkout stands.
    public private(set) var phase = Phase.idle
    /// The order's id, once the request was admitted (a replayed or refused key names its first order).
    public private(set) var orderID: String?
    private var keyed = false
    private var retried = false
    private var approval: CheckoutDecision?
    private var verification: Result<VerificationResult, any Error>?
    private var fraud: Result<FraudAssessment, any Error>?
    private var suggestions: Result<SuggestionResult, any Error>?

    /// A checkout of the decoded `order` within the trace `traceID` (the one the queue's ticket carries).
    public init(order: CheckoutRequest, traceID: String) {
        self.order = order
        self.traceID = traceID
    }

    /// Starts the checkout: a new or retried attempt, or an immediate answer for a key already seen.
    public mutating func onRequest(_ admission: Admission) -> [CheckoutDirective] {
        guard phase == .idle else { return [] }
        switch admission {
        case .unkeyed(let orderID):
            return attempt(orderID: orderID, decided: nil)
        case .keyed(let keyed):
            self.keyed = true
            return onKeyed(keyed)
        }
    }

    private mutating func onKeyed(_ admission: IdempotencyTable<CheckoutDecision>.Admission) -> [CheckoutDirective] {
        switch admission {
        case .fresh(let orderID):
            return attempt(orderID: orderID, decided: nil)
        case .retry(let orderID, let decided):
            retried = true
            return [.log(.init(.info, "checkout retried"))] + attempt(orderID: orderID, decided: decided)
        case .replay(let reply, let orderID):
            return answer(
                orderID: orderID, .log(.init(.info, "checkout repeated: the first reply is sent again")),
                .reply(.replayed(reply)))
        case .otherBody(let orderID):
            return answer(
                orderID: orderID, .log(.init(.notice, "checkout refused: key reused with another body")),
                .reply(.failed(.otherBody(orderID: orderID), orderID: orderID)))
        case .busy(let orderID):
            return answer(
                orderID: orderID, .log(.init(.notice, "checkout refused: its key's first request is still in flight")),
                .reply(.failed(.busy, orderID: orderID)))
        }
    }

    /// An answer that needs no attempt (the key's entry stays as it is).
    private mutating func answer(orderID: String, _ directives: CheckoutDirective...) -> [CheckoutDirective] {
        self.orderID = orderID
        phase = .done
        return directives
    }

    /// One attempt at order `orderID`: ask the services, unless `decided` holds an earlier approval to enqueue.
    private mutating func attempt(orderID: String, decided: CheckoutDecision?) -> [CheckoutDirective] {
        self.orderID = orderID
        if let decided { return enqueue(decided) }
        phase = .asking
        return [
            // Debug: the decided line is the checkout's one info line (the trace's `rpc.receive` marks the arrival).
            .log(.init(.debug, "checkout received", ["items": "\(order.items?.count ?? 0)"])),
            .askServices(orderID: orderID, order: order),
        ]
    }

    /// Verification's answer (or its call's failure).
    public mutating func onVerification(_ result: Result<VerificationResult, any Error>) -> [CheckoutDirective] {
        guard phase == .asking, verification == nil else { return [] }
        verification = result
        return decideIfAnswered()
    }

    /// Fraud detection's answer (or its call's failure).
    public mutating func onFraud(_ result: Result<FraudAssessment, any Error>) -> [CheckoutDirective] {
        guard phase == .asking, fraud == nil else { return [] }
        fraud = result
        return decideIfAnswered()
    }

    /// Suggestions' answer (or its call's failure, which only leaves the books out).
    public mutating func onSuggestions(_ result: Result<SuggestionResult, any Error>) -> [CheckoutDirective] {
        guard phase == .asking, suggestions == nil else { return [] }
        suggestions = result
        return decideIfAnswered()
    }

    /// The order could not be encoded for the services (nothing was asked): an internal error.
    public mutating func onEncodingFailure(_ cause: String) -> [CheckoutDirective] {
        guard phase == .asking else { return [] }
        return fail(CheckoutFailure.internalError, log: "cannot encode the order", cause: cause, decided: nil)
    }

    /// Decides once all three services answered.
    private mutating func decideIfAnswered() -> [CheckoutDirective] {
        guard let verification, let fraud, let suggestions, let orderID else { return [] }
        switch CheckoutDecision.evaluate(verification: verification, fraud: fraud, suggestions: suggestions) {
        case .failed(let error):
            let failure = CheckoutFailure.of(error, step: .decide)
            return fail(failure, log: "checkout failed: \(failure.message)", cause: "\(error)", decided: nil)
        case .decided(let decision):
            var directives: [CheckoutDirective] = []
            if let reason = decision.suggestionsSkipped {
                directives.append(.log(.init(.notice, "checkout goes on without suggestions: \(reason)")))
                directives.append(.recordSuggestionsSkipped(orderID: orderID, reason: reason))
            }
            return directives + (decision.approved ? enqueue(decision) : conclude(decision))
        }
    }

    private mutating func enqueue(_ decision: CheckoutDecision) -> [CheckoutDirective] {
        guard let orderID else { return [] }
        approval = decision
        phase = .enqueuing
        return [.enqueue(OrderTicket(orderId: orderID, order: order, traceId: traceID))]
    }

    /// The queue's answer to the enqueue of the approved order.
    public mutating func onEnqueue(_ result: Result<Void, any Error>) -> [CheckoutDirective] {
        guard phase == .enqueuing, let approval else { return [] }
        switch result {
        case .success:
            return conclude(approval)
        case .failure(let error):
            let failure = CheckoutFailure.of(error, step: .enqueue)
            return fail(
                failure, log: "checkout not confirmed: \(failure.message)", cause: "\(error)", decided: approval)
        }
    }

    /// Records the decision, replies with it and makes it the key's final answer.
    private mutating func conclude(_ decision: CheckoutDecision) -> [CheckoutDirective] {
        guard let orderID else { return [] }
        phase = .done
        let reasons = decision.reasons.map(\.code).joined(separator: ",")
        return [
            .recordDecision(orderID: orderID, decision: decision, retried: retried),
            .log(
                .init(
                    .info, "checkout decided",
                    ["status": decision.status, "reasons": reasons, "items": "\(order.items?.count ?? 0)"])),
            .reply(.decided(orderID: orderID, decision: decision)),
        ] + (keyed ? [.remember(.finalReply)] : [])
    }

    /// Replies with `failure`; a keyed request may be retried (as the same order, keeping `decided`).
    private mutating func fail(
        _ failure: CheckoutFailure, log message: String, cause: String, decided: CheckoutDecision?
    ) -> [CheckoutDirective] {
        phase = .done
        return [
            .log(.init(.error, message, ["cause": cause])),
            .reply(.failed(failure, orderID: orderID)),
        ] + (keyed ? [.remember(.retryable(decided: decided))] : [])
    }
}
