import Checkout

/// Generates a realistic, seeded mix of checkout orders: approved ones and ones that verification or fraud
/// detection should reject. Each order says which outcome it was built for.
public struct OrderMix: Sendable, Equatable {
    /// What an order is built to provoke.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case valid, badCard, expiredCard, missingFields, fraudulent
    }

    /// Relative weights of each kind.
    public var weights: [Kind: Int]

    public init(weights: [Kind: Int]) { self.weights = weights }

    /// 70% valid, the rest split over the rejection kinds.
    public static let standard = OrderMix(weights: [
        .valid: 70, .badCard: 8, .expiredCard: 7, .missingFields: 5, .fraudulent: 10,
    ])

    /// Parses `valid=70,badCard=10,…` (kinds not named get weight 0).
    public init?(parsing text: String) {
        var weights: [Kind: Int] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=")
            guard pair.count == 2, let kind = Kind(rawValue: String(pair[0])), let weight = Int(pair[1]), weight >= 0
            else { return nil }
            weights[kind] = weight
        }
        guard weights.values.reduce(0, +) > 0 else { return nil }
        self.weights = weights
    }

    static let people = [
        ("John Doe", "john.doe"), ("Maria Garcia", "maria.garcia"), ("Kadri Tamm", "kadri.tamm"),
        ("Jürgen Müller", "juergen.mueller"), ("Aiko Tanaka", "aiko.tanaka"), ("Liam O'Brien", "liam.obrien"),
        ("Anne-Marie Smith", "annemarie.smith"), ("José Álvarez", "jose.alvarez"), ("Mart Kask", "mart.kask"),
        ("Priya Sharma", "priya.sharma"), ("Elena Petrova", "elena.petrova"), ("Noah Johnson", "noah.johnson"),
    ]
    static let domains = ["example.com", "mail.ee", "posteo.de", "outlook.com", "gmail.com"]
    static let countries = ["Estonia", "Finland", "Germany", "USA", "Latvia", "Sweden", "United Kingdom"]
    static let cards = ["4111111111111111", "5555555555554444", "4012888888881881", "378282246310005"]
    static let titles = [
        "Designing Data-Intensive Applications", "The Pragmatic Programmer", "Dune", "The Hobbit", "1984",
        "Pride and Prejudice", "Distributed Systems", "The Name of the Wind", "Sapiens", "Book A",
    ]
    static let methods = ["Standard", "Standard", "Standard", "Express", "Next-Day"]

    /// Picks a kind by weight.
    public func kind<G: RandomNumberGenerator>(using generator: inout G) -> Kind {
        let total = weights.values.reduce(0, +)
        var pick = Int.random(in: 0..<total, using: &generator)
        for kind in Kind.allCases {
            let weight = weights[kind] ?? 0
            if pick < weight { return kind }
            pick -= weight
        }
        return .valid
    }

    /// An order of `kind`. `year` is the current year (cards expire two to four years later; expired ones
    /// last year).
    public func order<G: RandomNumberGenerator>(_ kind: Kind, year: Int, using generator: inout G) -> CheckoutRequest {
        let person = Self.people.randomElement(using: &generator)!
        let country = Self.countries.randomElement(using: &generator)!
        let items = (0..<Int.random(in: 1...3, using: &generator)).map { _ in
            CheckoutRequest.Item(
                name: Self.titles.randomElement(using: &generator)!, quantity: Int.random(in: 1...3, using: &generator))
        }
        let expiryYear = (year + Int.random(in: 2...4, using: &generator)) % 100
        var order = CheckoutRequest(
            user: .init(name: person.0, contact: "\(person.1)@\(Self.domains.randomElement(using: &generator)!)"),
            creditCard: .init(
                number: Self.cards.randomElement(using: &generator)!,
                expirationDate: String(format2: Int.random(in: 1...12, using: &generator)) + "/"
                    + String(format2: expiryYear),
                cvv: "123"),
            userComment: "Please handle with care.", items: Array(items),
            shippingMethod: Self.methods.randomElement(using: &generator)!,
            billingAddress: .init(street: "1 Main St", city: "Tartu", state: "", zip: "51003", country: country),
            giftWrapping: Bool.random(using: &generator), termsAccepted: true)
        if order.creditCard?.number == "378282246310005" { order.creditCard?.cvv = "1234" }
        switch kind {
        case .valid:
            break
        case .badCard:
            order.creditCard?.number = "4111111111111112"
        case .expiredCard:
            order.creditCard?.expirationDate = "12/" + String(format2: (year - 1) % 100)
        case .missingFields:
            order.user?.contact = nil
            order.termsAccepted = false
        case .fraudulent:
            order.user = .init(
                name: "xzq qwrtp", contact: "k\(Int.random(in: 100...999, using: &generator))@mailinator.com")
            order.items = [.init(name: "The Hobbit", quantity: 40)]
            order.shippingAddress = .init(street: "9 Dock Rd", city: "Lagos", zip: "100001", country: "Nigeria")
            order.shippingMethod = "Next-Day"
            order.giftMessage = "for you"
        }
        return order
    }
}

extension String {
    /// Two-digit zero-padded (`7` → `07`).
    init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}
