import Foundation
import RPC

/// `POST /checkout`'s error body: the contract's `{"error":{"code","message"}}` plus the trace id and, once the
/// request got one, the order id (a client that sent an `Idempotency-Key` retries with it to settle that order).
struct CheckoutErrorBody: Codable, Sendable, Equatable {
    struct Detail: Codable, Sendable, Equatable {
        var code: String
        var message: String
        var traceId: String?
        var orderId: String?
    }

    var error: Detail
}

/// A refused or failed checkout, before it becomes an HTTP response (pure).
struct CheckoutFailure: Error, Sendable, Equatable {
    /// Seconds a client should wait before retrying a 503.
    static let retryAfterSeconds = 1

    var code: RPCErrorCode
    var message: String
    var status: Int
    /// Set on 503s (and on 409 "in progress"): the answer is not final, retry after this many seconds.
    var retryAfter: Int?

    /// Which call failed.
    enum Step: Sendable {
        /// Verification or fraud detection (required for a decision).
        case decide
        /// The queue's `enqueue` of an approved order.
        case enqueue
    }

    /// The failure of `step` because of `error`. Every failure of a service call is a 503 to retry later;
    /// anything else is an internal error.
    static func of(_ error: any Error, step: Step) -> CheckoutFailure {
        guard let failure = error as? RPCCallError else {
            return CheckoutFailure(code: .internalError, message: "internal error", status: 500)
        }
        switch step {
        case .decide: return decideFailure(failure)
        case .enqueue: return enqueueFailure(failure)
        }
    }

    private static func decideFailure(_ failure: RPCCallError) -> CheckoutFailure {
        let message = failure.problem(subject: "\(failure.peer) service") + " (\(failure.method))"
        let code: RPCErrorCode = failure.kind == .deadlineExceeded ? .deadlineExceeded : .unavailable
        return CheckoutFailure(code: code, message: message, status: 503, retryAfter: retryAfterSeconds)
    }

    private static func enqueueFailure(_ failure: RPCCallError) -> CheckoutFailure {
        let retry = "the order was approved but not confirmed as stored; retry (with the same Idempotency-Key)"
        if case .remote(let remote) = failure.kind, remote.knownCode == .overloaded {
            return CheckoutFailure(
                code: .overloaded, message: "the order queue is full (\(remote.message)); \(retry) later",
                status: 503, retryAfter: retryAfterSeconds)
        }
        let cause = failure.problem(subject: "the order queue")
        return CheckoutFailure(
            code: .unavailable, message: "\(cause); \(retry)", status: 503, retryAfter: retryAfterSeconds)
    }

    /// While the orchestrator stops: intake is closed.
    static let draining = CheckoutFailure(
        code: .unavailable, message: "the orchestrator is stopping and takes no new orders; retry later",
        status: 503, retryAfter: retryAfterSeconds)

    /// The label of `checkout_orders_total{outcome}`.
    var outcomeLabel: String {
        switch (code, status) {
        case (.overloaded, _): return "overloaded"
        case (.conflict, _): return "conflict"
        case (_, 503): return "unavailable"
        default: return "error"
        }
    }

    /// The response, with `Retry-After` when the failure is temporary.
    func response(traceID: String, orderID: String?) -> HTTPResponse {
        let body = CheckoutErrorBody(
            error: .init(code: code.name, message: message, traceId: traceID, orderId: orderID))
        return .json(body, status: status, headers: retryAfter.map { [("Retry-After", "\($0)")] } ?? [])
    }
}
