/// The stable `Finding.code`s that `TransactionVerifier` reports. Clients may match on the raw values.
public enum VerificationCode: String, Sendable, CaseIterable {
    // Items
    case itemsMissing = "items_missing"
    case tooManyItems = "too_many_items"
    case itemNameMissing = "item_name_missing"
    case itemQuantityInvalid = "item_quantity_invalid"
    case itemQuantityTooLarge = "item_quantity_too_large"
    case totalQuantityTooLarge = "total_quantity_too_large"
    // User
    case userNameMissing = "user_name_missing"
    case userContactMissing = "user_contact_missing"
    case userContactInvalid = "user_contact_invalid"
    // Billing address
    case billingAddressMissing = "billing_address_missing"
    case billingStreetMissing = "billing_street_missing"
    case billingCityMissing = "billing_city_missing"
    case billingZipMissing = "billing_zip_missing"
    case billingZipInvalid = "billing_zip_invalid"
    case billingCountryMissing = "billing_country_missing"
    // Terms and shipping
    case termsNotAccepted = "terms_not_accepted"
    case shippingMethodInvalid = "shipping_method_invalid"
    // Card
    case cardNumberMissing = "card_number_missing"
    case cardNumberMalformed = "card_number_malformed"
    case cardNumberLengthInvalid = "card_number_length_invalid"
    case cardNumberPlaceholder = "card_number_placeholder"
    case cardNumberChecksumFailed = "card_number_checksum_failed"
    case cardExpiryMissing = "card_expiry_missing"
    case cardExpiryMalformed = "card_expiry_malformed"
    case cardExpired = "card_expired"
    case cardExpiryTooFar = "card_expiry_too_far"
    case cardCVVMissing = "card_cvv_missing"
    case cardCVVInvalid = "card_cvv_invalid"
    // Any field
    case fieldTooLong = "field_too_long"
    case tooManyEntries = "too_many_entries"
}

extension Finding {
    init(_ code: VerificationCode, _ field: String?, _ message: String) {
        self.init(code: code.rawValue, field: field, message: message)
    }
}
