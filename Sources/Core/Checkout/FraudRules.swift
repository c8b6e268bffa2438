/// The stable `Finding.code`s of `FraudRules`.
public enum FraudRuleCode: String, Sendable, CaseIterable {
    case implausibleName = "implausible_name"
    case contactNameMismatch = "contact_name_mismatch"
    case disposableEmailDomain = "disposable_email_domain"
    case bulkQuantity = "bulk_quantity"
    case countryMismatch = "country_mismatch"
    case rushGiftToOtherAddress = "rush_gift_to_other_address"
}

/// Simple fraud rules, each reported as a `Finding` with a `FraudRuleCode` when it fires:
/// - `implausible_name` (`user.name`): a name is given but `PersonName.isPlausible` rejects it (digits, one
///   Latin word, keyboard mashing, placeholders such as "test test"). A missing name is verification's concern.
/// - `contact_name_mismatch` (`user.contact`): the contact is an e-mail whose local part mentions no word of
///   the name nor its initials (`ContactAddress.matchesName`; "jdoe@…" matches John Doe, "xk92@…" does not
///   match Maria Garcia). Phone numbers and names without Latin letters never fire.
/// - `disposable_email_domain` (`user.contact`): a throwaway mailbox (`ContactAddress.isDisposable`).
/// - `bulk_quantity` (`items[i].quantity`, the largest line): `bulkQuantity` or more copies of one title —
///   resellers and stolen cards buy in bulk, readers do not.
/// - `country_mismatch` (`shippingAddress.country`): billing and shipping countries both given and different
///   once normalised ("USA" and "United States" agree).
/// - `rush_gift_to_other_address` (`shippingAddress`): a gift message, Next-Day shipping and a shipping
///   address other than the billing one (street, city or postal code differ): the reshipping pattern of
///   stolen cards, which want the goods out fast to someone else.
/// The course's default order (John Doe, john.doe@example.com, two books, one US address) fires none.
public struct FraudRules: Sendable {
    /// Copies of one title from which `bulk_quantity` fires.
    public var bulkQuantity: Int

    public init(bulkQuantity: Int = 20) {
        self.bulkQuantity = bulkQuantity
    }

    /// The rules that fire for `order`, in the order listed above.
    public func evaluate(_ order: CheckoutRequest) -> [Finding] {
        evaluate(order, checks: ContactChecks(order))
    }

    /// The rules that fire for `order`, whose name and contact checks were already made.
    public func evaluate(_ order: CheckoutRequest, checks: ContactChecks) -> [Finding] {
        var findings: [Finding] = []
        func fire(_ code: FraudRuleCode, _ field: String, _ message: String) {
            findings.append(Finding(code: code.rawValue, field: field, message: message))
        }
        let name = CheckoutRequest.nonEmpty(order.user?.name)
        let contact = CheckoutRequest.nonEmpty(order.user?.contact)
        if name != nil, !checks.nameIsPlausible {
            fire(.implausibleName, "user.name", "The name does not look like a person's name.")
        }
        if name != nil, contact != nil, !checks.contactMatchesName {
            fire(.contactNameMismatch, "user.contact", "The e-mail address does not mention the customer's name.")
        }
        if contact != nil, checks.contactIsDisposable {
            fire(.disposableEmailDomain, "user.contact", "The e-mail address is at a throwaway mailbox domain.")
        }
        let largest = (order.items ?? []).enumerated().max { ($0.element.quantity ?? 0) < ($1.element.quantity ?? 0) }
        if let largest, let quantity = largest.element.quantity, quantity >= bulkQuantity {
            fire(.bulkQuantity, "items[\(largest.offset)].quantity", "\(quantity) copies of one title.")
        }
        let billing = order.billingAddress
        let shipping = order.shippingAddress
        if let billingCountry = CheckoutRequest.nonEmpty(billing?.country),
            let shippingCountry = CheckoutRequest.nonEmpty(shipping?.country),
            Country.normalized(billingCountry) != Country.normalized(shippingCountry)
        {
            fire(.countryMismatch, "shippingAddress.country", "Billing and shipping countries differ.")
        }
        let method = (order.shippingMethod ?? "").trimmingWhitespace.lowercased()
        if CheckoutRequest.nonEmpty(order.giftMessage) != nil, method == "next-day", let billing, let shipping,
            Self.differ(billing, shipping)
        {
            fire(
                .rushGiftToOtherAddress, "shippingAddress",
                "A next-day gift to an address other than the billing address.")
        }
        return findings
    }

    /// True when the shipping address names a street, city or postal code other than the billing one.
    static func differ(_ billing: CheckoutRequest.Address, _ shipping: CheckoutRequest.Address) -> Bool {
        func key(_ text: String?) -> String? {
            guard let text = CheckoutRequest.nonEmpty(text), text.utf8.count <= 1_000 else { return nil }
            return text.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "." })
                .joined(separator: " ")
        }
        let pairs = [(billing.street, shipping.street), (billing.city, shipping.city), (billing.zip, shipping.zip)]
        return pairs.contains { pair in
            guard let shipped = key(pair.1) else { return false }
            return key(pair.0) != shipped
        }
    }
}
