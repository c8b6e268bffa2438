import Checkout

/// What the checkout flow asks its shell to do, in order.
public enum CheckoutDirective: Sendable, Equatable {
    /// Write a log line about the order (the shell adds the order id and the trace id).
    case log(CheckoutLogLine)
    /// Ask verification and fraud detection (the whole order, encoded once) and suggestions (the titles only),
    /// all three at once; feed back `onVerification`, `onFraud` and `onSuggestions` (or `onEncodingFailure`).
    case askServices(orderID: String, order: CheckoutRequest)
    /// Hand the approved order's ticket to the queue; feed back `onEnqueue`.
    case enqueue(OrderTicket)
    /// Record that the order goes on without suggestions (`suggestions.skipped`).
    case recordSuggestionsSkipped(orderID: String, reason: String)
    /// Record the order's decision (`order.decision`); its clock goes into the reply that follows.
    case recordDecision(orderID: String, decision: CheckoutDecision, retried: Bool)
    /// Answer the client.
    case reply(CheckoutReply)
    /// Tell the `Idempotency-Key` table how the keyed request ended (only for a request with a key).
    case remember(CheckoutMemory)
}

/// The answer to `POST /checkout`.
public enum CheckoutReply: Sendable, Equatable {
    /// 200 with the order's status, approved or rejected.
    case decided(orderID: String, decision: CheckoutDecision)
    /// The reply first sent for this key, sent again byte for byte.
    case replayed(IdempotencyTable<CheckoutDecision>.StoredReply)
    /// A structured error (with `Retry-After` when it is temporary), with the order id once there is one.
    case failed(CheckoutFailure, orderID: String?)

    /// The label of `checkout_orders_total{outcome}`.
    public var outcomeLabel: String {
        switch self {
        case .decided(_, let decision): return decision.approved ? "approved" : "rejected"
        case .replayed: return "replayed"
        case .failed(let failure, _): return failure.outcomeLabel
        }
    }
}

/// How a keyed request ended, for its `Idempotency-Key` entry.
public enum CheckoutMemory: Sendable, Equatable {
    /// A 503: a retry handles the same order again; `decided` is the approval when only the enqueue is left.
    case retryable(decided: CheckoutDecision?)
    /// The decided reply just sent is final: a retry gets it again.
    case finalReply
}

/// A log line the flow asks for.
public struct CheckoutLogLine: Sendable, Equatable {
    /// The log level.
    public enum Level: Sendable, Equatable {
        case debug
        case info
        case notice
        case error
    }

    public var level: Level
    public var message: String
    /// Extra fields of the line (the shell adds `order_id`).
    public var metadata: [String: String]

    public init(_ level: Level, _ message: String, _ metadata: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }
}
