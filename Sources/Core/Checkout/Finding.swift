/// One reason for a decision: a failed verification check or a fraud rule that fired.
public struct Finding: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Stable machine-readable code, e.g. `card_number_invalid`, `disposable_email_domain`.
    public var code: String
    /// The request field concerned, as a path (`creditCard.number`), when there is one.
    public var field: String?
    /// A sentence for people.
    public var message: String

    public init(code: String, field: String? = nil, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}
