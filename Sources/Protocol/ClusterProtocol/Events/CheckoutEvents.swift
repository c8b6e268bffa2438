import TraceModel

/// The orchestrator's decision on an order (`order.decision`).
public struct OrderDecision: TraceEventPayload {
    public static let kind = EventKind.orderDecision
    /// The `status` of an approved order.
    public static let approvedStatus = "approved"
    /// The `status` of a rejected order.
    public static let rejectedStatus = "rejected"

    public var order: String
    /// `approved` or `rejected`.
    public var status: String?
    /// The findings' codes.
    public var reasons: [String]?
    public var fraudScore: Double?
    /// True when an approval was confirmed by a retry with its `Idempotency-Key` (written only when true).
    public var retried: Bool
    /// The trace of the batched calls that asked verification, fraud and suggestions about this order together
    /// with other checkouts (`fanout_trace`; absent when the order's calls were its own, in its own trace).
    public var fanOutTrace: String?
    /// The trace of the batched `enqueueBatch` call that stored this approved order together with other checkouts'
    /// (`enqueue_trace`; absent when the order's enqueue was its own call, in its own trace).
    public var enqueueTrace: String?

    public init(
        order: String, status: String?, reasons: [String]?, fraudScore: Double?, retried: Bool = false,
        fanOutTrace: String? = nil, enqueueTrace: String? = nil
    ) {
        self.order = order
        self.status = status
        self.reasons = reasons
        self.fraudScore = fraudScore
        self.retried = retried
        self.fanOutTrace = fanOutTrace
        self.enqueueTrace = enqueueTrace
    }

    /// True when the order was approved.
    public var approved: Bool { status == Self.approvedStatus }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["order": .string(order)]
        data.put("status", status)
        data.put("reasons", reasons)
        data.put("fraud_score", fraudScore)
        if retried { data["retried"] = .bool(true) }
        data.put("fanout_trace", fanOutTrace)
        data.put("enqueue_trace", enqueueTrace)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(
            order: try fields.order(), status: try fields.string("status", maxBytes: 64),
            reasons: try fields.strings("reasons", maxCount: 1024), fraudScore: try fields.double("fraud_score"),
            retried: try fields.bool("retried") ?? false, fanOutTrace: try fields.string("fanout_trace", maxBytes: 64),
            enqueueTrace: try fields.string("enqueue_trace", maxBytes: 64))
    }
}

/// The orchestrator went on without suggestions (`suggestions.skipped`).
public struct SuggestionsSkipped: TraceEventPayload {
    public static let kind = EventKind.suggestionsSkipped
    public var order: String
    public var reason: String?

    public init(order: String, reason: String?) {
        self.order = order
        self.reason = reason
    }

    public func encoded() -> [String: TraceValue] {
        var data: [String: TraceValue] = ["order": .string(order)]
        data.put("reason", reason)
        return data
    }

    public init(decoding fields: PayloadFields) throws(PayloadError) {
        self.init(order: try fields.order(), reason: try fields.string("reason"))
    }
}
