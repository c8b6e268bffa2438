import Foundation
import OrchestratorCore
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

extension CheckoutFailure {
    /// The response, with `Retry-After` when the failure is temporary.
    func response(traceID: String, orderID: String?) -> HTTPResponse {
        let body = CheckoutErrorBody(
            error: .init(code: rpcCode.name, message: message, traceId: traceID, orderId: orderID))
        return .json(body, status: status, headers: retryAfter.map { [("Retry-After", "\($0)")] } ?? [])
    }

    /// The RPC layer's code, whose stable name the body carries.
    var rpcCode: RPCErrorCode {
        switch code {
        case .invalidRequest: return .invalidRequest
        case .internalError: return .internalError
        case .deadlineExceeded: return .deadlineExceeded
        case .unavailable: return .unavailable
        case .overloaded: return .overloaded
        case .conflict: return .conflict
        }
    }
}

/// The RPC client's failure, as the checkout flow reads it (its wording stays `RPCCallError.problem`).
extension RPCCallError: ServiceCallFailure {
    public var timedOut: Bool { kind == .deadlineExceeded }

    public var overloadedMessage: String? {
        guard case .remote(let remote) = kind, remote.knownCode == .overloaded else { return nil }
        return remote.message
    }
}
