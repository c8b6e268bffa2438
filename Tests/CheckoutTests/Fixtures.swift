import Checkout
import Foundation

/// Orders shared by the tests.
enum Fixtures {
    /// A month in which `validOrder`'s card is valid.
    static let today = CalendarDate(year: 2026, month: 3)

    /// An order that passes every verification check and fires no fraud rule on `today`.
    static func validOrder() -> CheckoutRequest {
        CheckoutRequest(
            user: .init(name: "John Doe", contact: "john.doe@example.com"),
            creditCard: .init(number: "4111111111111111", expirationDate: "12/27", cvv: "123"),
            userComment: "Please handle with care.",
            items: [.init(name: "Book A", quantity: 1), .init(name: "Book B", quantity: 2)],
            shippingMethod: "Standard",
            billingAddress: .init(
                street: "123 Main St", city: "Springfield", state: "IL", zip: "62701", country: "USA"),
            giftWrapping: true, termsAccepted: true)
    }

    /// `validOrder` with `change` applied.
    static func validOrder(_ change: (inout CheckoutRequest) -> Void) -> CheckoutRequest {
        var order = validOrder()
        change(&order)
        return order
    }

    /// The body the course's page sends by default (checkout-contract.md), as JSON.
    static let courseBodyJSON = """
        {"user": {"name": "John Doe", "contact": "john.doe@example.com"},
         "creditCard": {"number": "4111111111111111", "expirationDate": "12/25", "cvv": "123"},
         "userComment": "Please handle with care.",
         "items": [{"name": "Book A", "quantity": 1}, {"name": "Book B", "quantity": 2}],
         "discountCode": "", "shippingMethod": "Standard", "giftMessage": "",
         "billingAddress": {"street": "123 Main St", "city": "Springfield", "state": "IL", "zip": "62701",
                            "country": "USA"},
         "giftWrapping": true, "termsAccepted": true, "notificationPreferences": ["email"],
         "device": {"type": "Smartphone", "model": "iPhone 12", "os": "iOS 14"},
         "browser": {"name": "Safari", "version": "14.0"}, "appVersion": "3.0.0",
         "screenResolution": "1920x1080", "referrer": "https://example.com", "deviceLanguage": "en-US"}
        """

    static func courseOrder() throws -> CheckoutRequest {
        try decode(courseBodyJSON)
    }

    static func decode(_ json: String) throws -> CheckoutRequest {
        try JSONDecoder().decode(CheckoutRequest.self, from: Data(json.utf8))
    }

    /// The codes of `findings`, in order.
    static func codes(_ findings: [Finding]) -> [String] {
        findings.map(\.code)
    }
}
