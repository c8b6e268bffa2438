import Causality
import Checkout
import OrchestratorCore

/// The reply to `POST /checkout` (`OrderStatusResponse` of the contract, plus our extras).
public struct OrderStatusResponse: Codable, Sendable, Equatable {
    public static let approved = CheckoutDecision.approvedStatus
    public static let rejected = CheckoutDecision.rejectedStatus

    /// The id the orchestrator gave the order: a UUIDv7 as 32 lowercase hex digits (see `OrderID`).
    public var orderId: String
    /// "Order Approved" or "Order Rejected".
    public var status: String
    /// Always an array; empty when the order is rejected.
    public var suggestedBooks: [SuggestedBook]
    /// Why the order was rejected: failed checks and fraud rules (empty when approved).
    public var reasons: [Finding]
    /// The fraud model's score and threshold, when it ran.
    public var fraudScore: Double?
    public var fraudThreshold: Double?
    /// The W3C trace id of this checkout (the client's, when it sent a `traceparent`); not the order id.
    public var traceId: String
    /// The orchestrator's clock after its decision: it dominates every service's clock for this order.
    public var vectorClock: VectorClock
}
