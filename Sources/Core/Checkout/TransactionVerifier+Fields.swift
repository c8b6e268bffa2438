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
    /// themselves when the field is required.
    func text(_ value: String?, at field: String, limit: Int, into findings: inout [Finding]) -> FieldText {
        guard let value else { return .missing }
        let limit = max(0, limit)
        // UTF-8 length is O(1) and never below the character count; count characters only when it is over.
        if value.utf8.count > limit && value.prefix(limit + 1).count > limit {
            findings.append(
                Finding(.fieldTooLong, field, "The value is longer than \(limit) characters."))
            return .tooLong
        }
        let trimmed = value.trimmingWhitespace
        return trimmed.isEmpty ? .missing : .present(trimmed)
    }

    /// Length bounds for the fields no other check reads.
    func verifyOptionalFields(of order: CheckoutRequest, into findings: inout [Finding]) {
        let short = limits.maxFieldLength
        let shipping = order.shippingAddress
        let fields: [(String?, String, Int)] = [
            (order.userComment, "userComment", limits.maxCommentLength),
            (order.giftMessage, "giftMessage", limits.maxCommentLength),
            (order.discountCode, "discountCode", short),
            (shipping?.street, "shippingAddress.street", short), (shipping?.city, "shippingAddress.city", short),
            (shipping?.state, "shippingAddress.state", short), (shipping?.zip, "shippingAddress.zip", short),
            (shipping?.country, "shippingAddress.country", short),
            (order.device?.type, "device.type", short), (order.device?.model, "device.model", short),
            (order.device?.os, "device.os", short), (order.browser?.name, "browser.name", short),
            (order.browser?.version, "browser.version", short), (order.appVersion, "appVersion", short),
            (order.screenResolution, "screenResolution", short), (order.referrer, "referrer", short),
            (order.deviceLanguage, "deviceLanguage", short),
        ]
        for (value, field, limit) in fields {
            _ = text(value, at: field, limit: limit, into: &findings)
        }
        let preferences = order.notificationPreferences ?? []
        if preferences.count > limits.maxListEntries {
            findings.append(
                Finding(
                    .tooManyEntries, "notificationPreferences",
                    "\(preferences.count) entries; at most \(limits.maxListEntries)."))
        }
        for (index, preference) in preferences.prefix(max(0, limits.maxListEntries)).enumerated() {
            _ = text(preference, at: "notificationPreferences[\(index)]", limit: short, into: &findings)
        }
    }
}
