import Checkout

// The checkout services' methods; their messages are in Checkout (`ServiceMessages.swift`, `BatchMessages.swift`).
// Each service has its one-order method and a batched one: the orchestrator sends several concurrent checkouts'
// calls in one exchange (`BatchParams`, one result per item in order); a batch of one goes as the one-order call.

/// Transaction Verification (`VerificationService`; caller: the orchestrator).
public enum VerificationRPC {
    /// Every failed check of an order, not only the first.
    public static let verify = RPCMethod<OrderEnvelope, VerificationResult>("verify")
    /// `verify` for several orders.
    public static let verifyBatch = RPCMethod<BatchParams<OrderEnvelope>, BatchResults<VerificationResult>>(
        "verifyBatch")
}

/// Fraud Detection (`FraudService`; caller: the orchestrator).
public enum FraudRPC {
    /// Rules and model score of an order.
    public static let assess = RPCMethod<OrderEnvelope, FraudAssessment>("assess")
    /// `assess` for several orders.
    public static let assessBatch = RPCMethod<BatchParams<OrderEnvelope>, BatchResults<FraudAssessment>>(
        "assessBatch")
}

/// Suggestions (`SuggestionsService`; caller: the orchestrator).
public enum SuggestionsRPC {
    /// Books to suggest for the ordered titles.
    public static let suggest = RPCMethod<SuggestionRequest, SuggestionResult>("suggest")
    /// `suggest` for several orders.
    public static let suggestBatch = RPCMethod<BatchParams<SuggestionRequest>, BatchResults<SuggestionResult>>(
        "suggestBatch")
}
