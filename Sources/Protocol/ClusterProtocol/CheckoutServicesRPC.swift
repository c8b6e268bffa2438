import Checkout

// The checkout services' methods; their messages are in Checkout (`ServiceMessages.swift`).

/// Transaction Verification (`VerificationService`; caller: the orchestrator).
public enum VerificationRPC {
    /// Every failed check of an order, not only the first.
    public static let verify = RPCMethod<OrderEnvelope, VerificationResult>("verify")
}

/// Fraud Detection (`FraudService`; caller: the orchestrator).
public enum FraudRPC {
    /// Rules and model score of an order.
    public static let assess = RPCMethod<OrderEnvelope, FraudAssessment>("assess")
}

/// Suggestions (`SuggestionsService`; caller: the orchestrator).
public enum SuggestionsRPC {
    /// Books to suggest for the ordered titles.
    public static let suggest = RPCMethod<SuggestionRequest, SuggestionResult>("suggest")
}
