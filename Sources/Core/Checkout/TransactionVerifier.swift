/// Verifies that a checkout request is complete and well-formed, reporting every failed check (not only the
/// first) as a `Finding` with a `VerificationCode` and the field's path (`items[2].quantity`).
///
/// Checks, in report order:
/// - `items`: present and non-empty; at most `maxItemLines` lines; each line (of the first `maxItemLines`) has
///   a name and a quantity in 1…`maxQuantityPerItem`; at most `maxTotalQuantity` copies in all.
/// - `user.name` present; `user.contact` present and a plausible e-mail or phone number.
/// - `billingAddress` present with `street`, `city`, `zip` (letters, digits, spaces, dashes) and `country`.
/// - Terms accepted under either field name.
/// - `shippingMethod`, when given, one of `shippingMethods` (case-insensitive).
/// - `creditCard`: see `verifyCard`.
/// - Every string within `maxFieldLength` characters (`maxCommentLength` for `userComment` and
///   `giftMessage`); an over-long value gets `field_too_long` and no further checks.
///
/// Blank strings count as missing. The work is bounded by the limits, not by the input: hostile orders
/// (10,000 lines, megabyte strings, `Int.max` quantities) get findings, never a crash.
public struct TransactionVerifier: Sendable {
    public var limits: VerificationLimits

    public init(limits: VerificationLimits = .default) {
        self.limits = limits
    }

    /// Every failed check of `order`, with `today` deciding whether the card has expired.
    public func verify(_ order: CheckoutRequest, today: CalendarDate) -> VerificationResult {
        var findings: [Finding] = []
        verifyItems(order.items, into: &findings)
        verifyUser(order.user, into: &findings)
        verifyBillingAddress(order.billingAddress, into: &findings)
        if !order.acceptedTerms {
            findings.append(Finding(.termsNotAccepted, "termsAndConditionsAccepted", "The terms were not accepted."))
        }
        verifyShippingMethod(order.shippingMethod, into: &findings)
        verifyCard(order.creditCard, today: today, into: &findings)
        verifyOptionalFields(of: order, into: &findings)
        return VerificationResult(failures: findings)
    }

    func verifyItems(_ items: [CheckoutRequest.Item]?, into findings: inout [Finding]) {
        guard let items, !items.isEmpty else {
            findings.append(Finding(.itemsMissing, "items", "The order has no items."))
            return
        }
        if items.count > limits.maxItemLines {
            findings.append(
                Finding(.tooManyItems, "items", "The order has \(items.count) lines; at most \(limits.maxItemLines)."))
        }
        for (index, item) in items.prefix(max(0, limits.maxItemLines)).enumerated() {
            // The paths are built only for a finding.
            let name = text(item.name, at: "items[\(index)].name", limit: limits.maxFieldLength, into: &findings)
            if case .missing = name {
                findings.append(Finding(.itemNameMissing, "items[\(index)].name", "An item has no name."))
            }
            switch item.quantity {
            case .some(let quantity) where quantity > limits.maxQuantityPerItem:
                findings.append(
                    Finding(
                        .itemQuantityTooLarge, "items[\(index)].quantity",
                        "\(quantity) copies of one item; at most \(limits.maxQuantityPerItem)."))
            case .some(let quantity) where quantity >= 1:
                break
            default:
                findings.append(
                    Finding(
                        .itemQuantityInvalid, "items[\(index)].quantity",
                        "An item's quantity must be a positive integer."))
            }
        }
        // Saturating: Int.max quantities must not wrap the total around to something small.
        let total = items.reduce(0) { sum, item in
            let (next, overflow) = sum.addingReportingOverflow(max(0, item.quantity ?? 0))
            return overflow ? Int.max : next
        }
        if total > limits.maxTotalQuantity {
            findings.append(
                Finding(
                    .totalQuantityTooLarge, "items", "\(total) copies in all; at most \(limits.maxTotalQuantity)."))
        }
    }

    func verifyUser(_ user: CheckoutRequest.User?, into findings: inout [Finding]) {
        if case .missing = text(user?.name, at: "user.name", limit: limits.maxFieldLength, into: &findings) {
            findings.append(Finding(.userNameMissing, "user.name", "The customer's name is missing."))
        }
        switch text(user?.contact, at: "user.contact", limit: limits.maxFieldLength, into: &findings) {
        case .missing:
            findings.append(Finding(.userContactMissing, "user.contact", "The customer's contact is missing."))
        case .present(let contact) where !ContactAddress.isPlausible(contact):
            findings.append(
                Finding(
                    .userContactInvalid, "user.contact", "The contact is neither an e-mail address nor a phone number."
                ))
        default:
            break
        }
    }

    func verifyBillingAddress(_ address: CheckoutRequest.Address?, into findings: inout [Finding]) {
        guard let address else {
            findings.append(Finding(.billingAddressMissing, "billingAddress", "The billing address is missing."))
            return
        }
        // A call per field, not a loop over an array of tuples (see `verifyOptionalFields`).
        requireAddressPart(address.street, "billingAddress.street", "street", .billingStreetMissing, &findings)
        requireAddressPart(address.city, "billingAddress.city", "city", .billingCityMissing, &findings)
        let zip = requireAddressPart(address.zip, "billingAddress.zip", "zip", .billingZipMissing, &findings)
        if case .present(let zip) = zip, !Self.isPlausibleZip(zip) {
            findings.append(
                Finding(.billingZipInvalid, "billingAddress.zip", "The postal code is not a plausible one."))
        }
        requireAddressPart(address.country, "billingAddress.country", "country", .billingCountryMissing, &findings)
        bound(address.state, at: "billingAddress.state", limit: limits.maxFieldLength, into: &findings)
    }

    /// Reads a required part of the billing address (`field` its path, `name` its name in the message), reporting
    /// it with `code` when it is missing. (The path is a literal: one built from `name` would be allocated per call.)
    @discardableResult
    private func requireAddressPart(
        _ value: String?, _ field: String, _ name: String, _ code: VerificationCode, _ findings: inout [Finding]
    ) -> FieldText {
        let part = text(value, at: field, limit: limits.maxFieldLength, into: &findings)
        if case .missing = part {
            findings.append(Finding(code, field, "The billing address has no \(name)."))
        }
        return part
    }

    func verifyShippingMethod(_ method: String?, into findings: inout [Finding]) {
        let field = "shippingMethod"
        guard case .present(let method) = text(method, at: field, limit: limits.maxFieldLength, into: &findings),
            !limits.shippingMethods.contains(method.lowercased())
        else { return }
        findings.append(Finding(.shippingMethodInvalid, field, "Shipping must be Standard, Express or Next-Day."))
    }

    /// Postal codes worldwide: 2…12 letters, digits, spaces and dashes, with at least one letter or digit.
    static func isPlausibleZip(_ zip: String) -> Bool {
        (2...12).contains(zip.count)
            && zip.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == " " || $0 == "-" }
    }
}
