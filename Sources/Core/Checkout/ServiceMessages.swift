/// Params and results of the services' JSON-RPC methods (one place, shared by callers and servers).

/// `verification.verify` and `fraud.assess` params.
public struct OrderEnvelope: Codable, Sendable, Equatable {
    public var orderId: String
    public var order: CheckoutRequest
    public init(orderId: String, order: CheckoutRequest) {
        self.orderId = orderId
        self.order = order
    }
}

/// `verification.verify` result: every failed check, not only the first.
public struct VerificationResult: Codable, Sendable, Equatable {
    public var valid: Bool
    public var failures: [Finding]
    public init(failures: [Finding]) {
        self.valid = failures.isEmpty
        self.failures = failures
    }
}

/// `fraud.assess` result.
public struct FraudAssessment: Codable, Sendable, Equatable {
    /// True when a rule fired or the model's score is at or above the threshold.
    public var fraudulent: Bool
    /// The model's probability of fraud, 0…1.
    public var score: Double
    /// The serving threshold the score is compared with.
    public var threshold: Double
    /// The rules that fired.
    public var rulesFired: [Finding]
    public init(score: Double, threshold: Double, rulesFired: [Finding]) {
        self.score = score
        self.threshold = threshold
        self.rulesFired = rulesFired
        self.fraudulent = !rulesFired.isEmpty || Self.modelFlags(score: score, threshold: threshold)
    }

    /// The model's own verdict: a score at or above the threshold flags the order (one of the two reasons an
    /// assessment is `fraudulent`; the other is a rule that fired).
    public static func modelFlags(score: Double, threshold: Double) -> Bool { score >= threshold }

    /// True when this assessment's score flags the order by itself.
    public var modelFlagged: Bool { Self.modelFlags(score: score, threshold: threshold) }
}

/// The one rule for approving an order: it passed verification and the fraud service did not mark it
/// `fraudulent` (the service's own verdict, as sent on the wire, is not recomputed here).
public enum OrderApproval {
    /// True when `verification` is valid and `fraud` is not fraudulent.
    public static func approves(verification: VerificationResult, fraud: FraudAssessment) -> Bool {
        verification.valid && !fraud.fraudulent
    }
}

/// `suggestions.suggest` params.
public struct SuggestionRequest: Codable, Sendable, Equatable {
    public var orderId: String
    /// Titles as the customer typed them.
    public var orderedTitles: [String]
    public var count: Int
    public init(orderId: String, orderedTitles: [String], count: Int = 3) {
        self.orderId = orderId
        self.orderedTitles = orderedTitles
        self.count = count
    }
}

/// A book as the checkout contract shows it.
public struct SuggestedBook: Codable, Sendable, Hashable {
    public var bookId: String
    public var title: String
    public var author: String
    public init(bookId: String, title: String, author: String) {
        self.bookId = bookId
        self.title = title
        self.author = author
    }
}

/// `suggestions.suggest` result.
public struct SuggestionResult: Codable, Sendable, Equatable {
    public var books: [SuggestedBook]
    public init(books: [SuggestedBook]) { self.books = books }
}
