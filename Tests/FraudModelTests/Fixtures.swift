import Checkout
import Foundation

/// Shared orders and paths for the fraud model tests.
enum Fixtures {
    /// The package root: the first directory above this file that holds Package.swift.
    static func packageRoot(_ file: String = #filePath) -> URL {
        var directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        fatalError("no Package.swift above \(file)")
    }

    /// The model committed with the code.
    static var committedModelPath: String { packageRoot().appendingPathComponent("models/fraud-model.json").path }

    /// A fresh, empty temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fraud-model-tests-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every fraud signal at once: mashed name, throwaway mailbox, 40 copies of one book, billing US and
    /// shipping NG, next-day delivery, gift message.
    static let fraudLikeOrder = CheckoutRequest(
        user: .init(name: "xzq qwrtp", contact: "k9f2v7@mailinator.com"),
        creditCard: .init(number: "4111111111111111", expirationDate: "12/30", cvv: "123"),
        items: [.init(name: "Designing Data-Intensive Applications", quantity: 40)],
        shippingMethod: "Next-Day", giftMessage: "For you",
        billingAddress: .init(street: "1 Main St", city: "Springfield", state: "IL", zip: "62701", country: "US"),
        shippingAddress: .init(street: "5 Broad St", city: "Lagos", zip: "100001", country: "NG"),
        termsAccepted: true)

    /// The body the course's checkout page sends by default, with an expiry date in the future.
    static let courseDefaultOrder = CheckoutRequest(
        user: .init(name: "John Doe", contact: "john.doe@example.com"),
        creditCard: .init(number: "4111111111111111", expirationDate: "12/30", cvv: "123"),
        userComment: "Please handle with care.",
        items: [.init(name: "Book A", quantity: 1), .init(name: "Book B", quantity: 2)],
        shippingMethod: "Standard",
        billingAddress: .init(street: "123 Main St", city: "Springfield", state: "IL", zip: "62701", country: "USA"),
        giftWrapping: true, termsAccepted: true)
}
