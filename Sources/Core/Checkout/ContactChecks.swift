/// The name and contact checks that both the fraud rules (`FraudRules.evaluate`) and the model's features
/// (`OrderFeatures`) read, made once per order. Each is the check of the order's raw field (a missing field as
/// ""): the rules only consult them for fields that are not blank, with the same result as checking there.
public struct ContactChecks: Sendable, Equatable {
    /// `PersonName.isPlausible(user.name)`.
    public let nameIsPlausible: Bool
    /// `ContactAddress.matchesName(user.contact, name: user.name)`.
    public let contactMatchesName: Bool
    /// `ContactAddress.isDisposable(user.contact)`.
    public let contactIsDisposable: Bool

    public init(_ order: CheckoutRequest) {
        let name = order.user?.name ?? ""
        let contact = order.user?.contact ?? ""
        nameIsPlausible = PersonName.isPlausible(name)
        contactMatchesName = ContactAddress.matchesName(contact, name: name)
        contactIsDisposable = ContactAddress.isDisposable(contact)
    }
}
