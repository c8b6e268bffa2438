import Checkout
import Foundation

/// The orchestrator's decision on one order from its services' answers (pure).
///
/// Verification and fraud detection are required: without either answer there is no decision. Suggestions are
/// optional: when they failed, an approved order goes on with no suggested books and the reason is kept.
public struct CheckoutDecision: Sendable, Equatable {
    public var approved: Bool
    /// Why the order was rejected: failed checks, fraud rules, the model's score (empty when approved).
    public var reasons: [Finding]
    /// The books to suggest (empty when rejected or when suggestions were skipped).
    public var suggestedBooks: [SuggestedBook]
    /// Why suggestions were left out (nil when they came, or were not needed).
    public var suggestionsSkipped: String?
    public var fraudScore: Double
    public var fraudThreshold: Double

    public init(
        approved: Bool, reasons: [Finding], suggestedBooks: [SuggestedBook], suggestionsSkipped: String?,
        fraudScore: Double, fraudThreshold: Double
    ) {
        self.approved = approved
        self.reasons = reasons
        self.suggestedBooks = suggestedBooks
        self.suggestionsSkipped = suggestionsSkipped
        self.fraudScore = fraudScore
        self.fraudThreshold = fraudThreshold
    }

    /// The contract's `status` of an approved order.
    public static let approvedStatus = "Order Approved"
    /// The contract's `status` of a rejected order.
    public static let rejectedStatus = "Order Rejected"

    /// "Order Approved" or "Order Rejected".
    public var status: String { approved ? Self.approvedStatus : Self.rejectedStatus }

    /// The decision from the verification result and the fraud assessment, approved by `OrderApproval`'s rule.
    public static func decide(
        verification: VerificationResult, fraud: FraudAssessment,
        suggestions: Result<[SuggestedBook], SuggestionsSkipped>
    ) -> CheckoutDecision {
        let approved = OrderApproval.approves(verification: verification, fraud: fraud)
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
        guard fraud.fraudulent, fraud.modelFlagged else { return [] }
        return [
            Finding(
                code: "fraud_model_score",
                message: String(
                    format: "fraud model score %.3f is at or above the threshold %.3f", fraud.score, fraud.threshold))
        ]
    }

    /// What the three concurrent calls gave: a decision, or the failure of a required service.
    public enum Verdict: Sendable {
        case decided(CheckoutDecision)
        case failed(any Error)
    }

    /// Combines the calls' results: verification and fraud must have answered; suggestions may have failed.
    public static func evaluate(
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
        let books = suggestions.map(\.books).mapError { SuggestionsSkipped(reason: skipReason($0)) }
        return .decided(decide(verification: verified, fraud: assessed, suggestions: books))
    }

    /// Why suggestions are missing, in a line for the log and the trace.
    public static func skipReason(_ error: any Error) -> String {
        guard let failure = error as? any ServiceCallFailure else { return "suggestions failed: \(error)" }
        return failure.problem(subject: failure.peer)
    }
}

/// Why an order goes on without suggestions.
public struct SuggestionsSkipped: Error, Sendable, Equatable {
    public var reason: String

    public init(reason: String) { self.reason = reason }
}
