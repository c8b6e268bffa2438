/// A refused or failed checkout, before it becomes an HTTP response (pure; the shell writes the JSON body).
public struct CheckoutFailure: Error, Sendable, Equatable {
    /// Seconds a client should wait before retrying a 503.
    public static let retryAfterSeconds = 1

    /// The error code of the body (the shell spells it with the RPC layer's stable code names).
    public enum Code: Sendable, Equatable {
        case invalidRequest
        case internalError
        case deadlineExceeded
        case unavailable
        case overloaded
        case conflict
    }

    /// The body's error code.
    public var code: Code
    /// A sentence for the client (never a stack or an internal cause).
    public var message: String
    /// The HTTP status.
    public var status: Int
    /// Set on 503s (and on 409 "in progress"): the answer is not final, retry after this many seconds.
    public var retryAfter: Int?

    public init(code: Code, message: String, status: Int, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.retryAfter = retryAfter
    }

    /// Which call failed.
    public enum Step: Sendable {
        /// Verification or fraud detection (required for a decision).
        case decide
        /// The queue's `enqueue` of an approved order.
        case enqueue
    }

    /// The failure of `step` because of `error`. Every failure of a service call is a 503 to retry later;
    /// anything else is an internal error.
    public static func of(_ error: any Error, step: Step) -> CheckoutFailure {
        guard let failure = error as? any ServiceCallFailure else { return internalError }
        switch step {
        case .decide: return decideFailure(failure)
        case .enqueue: return enqueueFailure(failure)
        }
    }

    /// A 500 that tells the client nothing of the cause (the log has it).
    public static let internalError = CheckoutFailure(code: .internalError, message: "internal error", status: 500)

    private static func decideFailure(_ failure: any ServiceCallFailure) -> CheckoutFailure {
        let message = failure.problem(subject: "\(failure.peer) service") + " (\(failure.method))"
        let code: Code = failure.timedOut ? .deadlineExceeded : .unavailable
        return CheckoutFailure(code: code, message: message, status: 503, retryAfter: retryAfterSeconds)
    }

    private static func enqueueFailure(_ failure: any ServiceCallFailure) -> CheckoutFailure {
        let retry = "the order was approved but not confirmed as stored; retry (with the same Idempotency-Key)"
        if let refusal = failure.overloadedMessage {
            return CheckoutFailure(
                code: .overloaded, message: "the order queue is full (\(refusal)); \(retry) later",
                status: 503, retryAfter: retryAfterSeconds)
        }
        let cause = failure.problem(subject: "the order queue")
        return CheckoutFailure(
            code: .unavailable, message: "\(cause); \(retry)", status: 503, retryAfter: retryAfterSeconds)
    }

    /// While the orchestrator stops: intake is closed.
    public static let draining = CheckoutFailure(
        code: .unavailable, message: "the orchestrator is stopping and takes no new orders; retry later",
        status: 503, retryAfter: retryAfterSeconds)

    /// The key was first used with another request body (order `orderID`).
    public static func otherBody(orderID: String) -> CheckoutFailure {
        CheckoutFailure(
            code: .conflict,
            message: "this Idempotency-Key was already used with another request body (order \(orderID))",
            status: 409)
    }

    /// The key's first request is still being handled.
    public static let busy = CheckoutFailure(
        code: .conflict, message: "a request with this Idempotency-Key is still being handled; retry later",
        status: 409, retryAfter: retryAfterSeconds)

    /// The label of `checkout_orders_total{outcome}`.
    public var outcomeLabel: String {
        switch (code, status) {
        case (.overloaded, _): return "overloaded"
        case (.conflict, _): return "conflict"
        case (_, 503): return "unavailable"
        default: return "error"
        }
    }
}
