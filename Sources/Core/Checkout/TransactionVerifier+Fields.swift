/// A string field as the verifier sees it.
enum FieldText {
    /// Nil, empty or whitespace only.
    case missing
    /// Longer than its limit (already reported).
    case tooLong
    /// The value, trimmed.
    case present(String)
}

extension TransactionVerifier {
    /// Reads `value`, appending `field_too_long` when it is over `limit` characters. Callers report `.missing`
    /// themselves when the field is required. (`field` is built only for a finding: paths such as `items[3].name`
    /// are not made for every valid field.)
    func text(
        _ value: String?, at field: @autoclosure () -> String, limit: Int, into findings: inout [Finding]
    ) -> FieldText {
        guard let value else { return .missing }
        if bound(value, at: field(), limit: limit, into: &findings) { return .tooLong }
        let trimmed = value.trimmingWhitespace
        return trimmed.isEmpty ? .missing : .present(trimmed)
    }

    /// Appends `field_too_long` when `value` is over `limit` characters; returns whether it was.
    @discardableResult
    func bound(
        _ value: String?, at field: @autoclosure () -> String, limit: Int, into findings: inout [Finding]
    ) -> Bool {
        guard let value else { return false }
        let limit = max(0, limit)
        // UTF-8 length is O(1) and never below the character count; count characters only when it is over.
        guard value.utf8.count > limit && value.prefix(limit + 1).count > limit else { return false }
        findings.append(Finding(.fieldTooLong, field(), "The value is longer than \(limit) characters."))
        return true
    }

    /// Length bounds for the fields no other check reads.
    func verifyOptionalFields(of order: CheckoutRequest, into findings: inout [Finding]) {
        // A call per field rather than a loop over an array of (value, name, limit) tuples: this runs twice per
        // checkout (orchestrator and verification service), and the array cost more than the checks (`make
        // instructions`).
        let short = limits.maxFieldLength
        let comment = limits.maxCommentLength
        let shipping = order.shippingAddress
        bound(order.userComment, at: "userComment", limit: comment, into: &findings)
        bound(order.giftMessage, at: "giftMessage", limit: comment, into: &findings)
        bound(order.discountCode, at: "discountCode", limit: short, into: &findings)
        bound(shipping?.street, at: "shippingAddress.street", limit: short, into: &findings)
        bound(shipping?.city, at: "shippingAddress.city", limit: short, into: &findings)
        bound(shipping?.state, at: "shippingAddress.state", limit: short, into: &findings)
        bound(shipping?.zip, at: "shippingAddress.zip", limit: short, into: &findings)
        bound(shipping?.country, at: "shippingAddress.country", limit: short, into: &findings)
        bound(order.device?.type, at: "device.type", limit: short, into: &findings)
        bound(order.device?.model, at: "device.model", limit: short, into: &findings)
        bound(order.device?.os, at: "device.os", limit: short, into: &findings)
        bound(order.browser?.name, at: "browser.name", limit: short, into: &findings)
        bound(order.browser?.version, at: "browser.version", limit: short, into: &findings)
        bound(order.appVersion, at: "appVersion", limit: short, into: &findings)
        bound(order.screenResolution, at: "screenResolution", limit: short, into: &findings)
        bound(order.referrer, at: "referrer", limit: short, into: &findings)
        bound(order.deviceLanguage, at: "deviceLanguage", limit: short, into: &findings)
        let preferences = order.notificationPreferences ?? []
        if preferences.count > limits.maxListEntries {
            findings.append(
                Finding(
                    .tooManyEntries, "notificationPreferences",
                    "\(preferences.count) entries; at most \(limits.maxListEntries)."))
        }
        for (index, preference) in preferences.prefix(max(0, limits.maxListEntries)).enumerated() {
            bound(preference, at: "notificationPreferences[\(index)]", limit: short, into: &findings)
        }
    }
}
