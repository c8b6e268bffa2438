import Checkout
import Foundation
import RPC

/// The orchestrator's decision on one order from its services' answers (pure).
///
/// Verification and fraud detection are required: without either answer there is no decision. Suggestions are
/// optional: when they failed, an approved order goes on with no suggested books and the reason is kept.
struct CheckoutDecision: Sendable, Equatable {
    var approved: Bool
    /// Why the order was rejected: failed checks, fraud rules, the model's score (empty when approved).
    var reasons: [Finding]
    /// The books to suggest (empty when rejected or when suggestions were skipped).
    var suggestedBooks: [SuggestedBook]
    /// Why suggestions were left out (nil when they came, or were not needed).
    var suggestionsSkipped: String?
    var fraudScore: Double
    var fraudThreshold: Double

    /// The decision from the verification result and the fraud assessment. The order is approved when it passed
    /// verification and the assessment is not `fraudulent` (the fraud service's own rule, not repeated here).
    static func decide(
        verification: VerificationResult, fraud: FraudAssessment,
        suggestions: Result<[SuggestedBook], SuggestionsSkipped>
    ) -> CheckoutDecision {
        let approved = verification.valid && !fraud.fraudulent
        var skipped: String?
        var books: [SuggestedBook] = []
        if approved {
            switch suggestions {
            case .success(let found): books = found
            case .failure(let skip): skipped = skip.reason
            }
        }
        return CheckoutDecision(
            approved: approved, reasons: verification.failures + fraud.rulesFired + modelFindings(fraud),
            suggestedBooks: books, suggestionsSkipped: skipped, fraudScore: fraud.score, fraudThreshold: fraud.threshold
        )
    }

    /// The model's part of a fraudulent assessment: flagged, yet no rule explains it, or the score also crossed.
    private static func modelFindings(_ fraud: FraudAssessment) -> [Finding] {
        guard fraud.fraudulent, fraud.score >= fraud.threshold else { return [] }
        return [
            Finding(
                code: "fraud_model_score",
                message: String(
                    format: "fraud model score %.3f is at or above the threshold %.3f", fraud.score, fraud.threshold))
        ]
    }

    /// What the three concurrent calls gave: a decision, or the failure of a required service.
    enum Verdict: Sendable {
        case decided(CheckoutDecision)
        case failed(any Error)
    }

    /// Combines the calls' results: verification and fraud must have answered; suggestions may have failed.
    static func evaluate(
        verification: Result<VerificationResult, any Error>, fraud: Result<FraudAssessment, any Error>,
        suggestions: Result<SuggestionResult, any Error>
    ) -> Verdict {
        let verified: VerificationResult
        let assessed: FraudAssessment
        switch (verification, fraud) {
        case (.failure(let error), _), (_, .failure(let error)):
            return .failed(error)
        case (.success(let first), .success(let second)):
            (verified, assessed) = (first, second)
        }
        let books = suggestions.map(\.books).mapError { error in
            SuggestionsSkipped(reason: (error as? RPCCallError).map(skipReason) ?? "suggestions failed: \(error)")
        }
        return .decided(decide(verification: verified, fraud: assessed, suggestions: books))
    }

    /// Why suggestions are missing, in a line for the log and the trace.
    static func skipReason(_ failure: RPCCallError) -> String { failure.problem(subject: failure.peer) }
}

/// Why an order goes on without suggestions.
struct SuggestionsSkipped: Error, Sendable, Equatable {
    var reason: String
}
