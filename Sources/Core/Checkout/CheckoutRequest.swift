/// The body of `POST /checkout`, per the course's checkout contract (`../shared/notes/checkout-contract.md`).
/// No field is required by the schema and extra fields are ignored: the services decide what they need and
/// say clearly what is missing.
public struct CheckoutRequest: Codable, Sendable, Equatable {
    public struct User: Codable, Sendable, Equatable {
        public var name: String?
        public var contact: String?
        public init(name: String? = nil, contact: String? = nil) {
            self.name = name
            self.contact = contact
        }
    }

    public struct CreditCard: Codable, Sendable, Equatable {
        public var number: String?
        /// "MM/YY".
        public var expirationDate: String?
        public var cvv: String?
        public init(number: String? = nil, expirationDate: String? = nil, cvv: String? = nil) {
            self.number = number
            self.expirationDate = expirationDate
            self.cvv = cvv
        }
    }

    public struct Item: Codable, Sendable, Equatable {
        public var name: String?
        public var quantity: Int?
        public init(name: String? = nil, quantity: Int? = nil) {
            self.name = name
            self.quantity = quantity
        }
    }

    public struct Address: Codable, Sendable, Equatable {
        public var street: String?
        public var city: String?
        public var state: String?
        public var zip: String?
        public var country: String?
        public init(
            street: String? = nil, city: String? = nil, state: String? = nil, zip: String? = nil,
            country: String? = nil
        ) {
            self.street = street
            self.city = city
            self.state = state
            self.zip = zip
            self.country = country
        }
    }

    public struct Device: Codable, Sendable, Equatable {
        public var type: String?
        public var model: String?
        public var os: String?
    }

    public struct Browser: Codable, Sendable, Equatable {
        public var name: String?
        public var version: String?
    }

    public var user: User?
    public var creditCard: CreditCard?
    public var userComment: String?
    public var items: [Item]?
    public var discountCode: String?
    /// "Standard" | "Express" | "Next-Day".
    public var shippingMethod: String?
    public var giftMessage: String?
    public var billingAddress: Address?
    public var shippingAddress: Address?
    public var giftWrapping: Bool?
    public var termsAndConditionsAccepted: Bool?
    /// The course page's name for `termsAndConditionsAccepted`.
    public var termsAccepted: Bool?
    public var notificationPreferences: [String]?
    public var device: Device?
    public var browser: Browser?
    public var appVersion: String?
    public var screenResolution: String?
    public var referrer: String?
    public var deviceLanguage: String?

    public init(
        user: User? = nil, creditCard: CreditCard? = nil, userComment: String? = nil, items: [Item]? = nil,
        discountCode: String? = nil, shippingMethod: String? = nil, giftMessage: String? = nil,
        billingAddress: Address? = nil, shippingAddress: Address? = nil, giftWrapping: Bool? = nil,
        termsAndConditionsAccepted: Bool? = nil, termsAccepted: Bool? = nil
    ) {
        self.user = user
        self.creditCard = creditCard
        self.userComment = userComment
        self.items = items
        self.discountCode = discountCode
        self.shippingMethod = shippingMethod
        self.giftMessage = giftMessage
        self.billingAddress = billingAddress
        self.shippingAddress = shippingAddress
        self.giftWrapping = giftWrapping
        self.termsAndConditionsAccepted = termsAndConditionsAccepted
        self.termsAccepted = termsAccepted
    }

    /// Terms accepted under either name.
    public var acceptedTerms: Bool { termsAndConditionsAccepted ?? termsAccepted ?? false }

    /// The shipping country: the shipping address's, else the billing address's.
    public var shippingCountry: String? {
        Self.nonEmpty(shippingAddress?.country) ?? Self.nonEmpty(billingAddress?.country)
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.trimmingWhitespace.isEmpty else { return nil }
        return text
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines (no Foundation needed).
    public var trimmingWhitespace: String {
        if let trimmed = trimmingASCIIWhitespace { return trimmed }
        return trimmingWhitespaceCharacters
    }

    /// `trimmingWhitespace` of an ASCII string, over its bytes; nil when the string is not all ASCII. A "\r\n"
    /// pair is one `Character`, which is none of the four, so it stops the trimming as it does there.
    var trimmingASCIIWhitespace: String? {
        let bytes = utf8
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) {
            let next = bytes.index(after: start)
            if bytes[start] == 0x0D, next < end, bytes[next] == 0x0A { break }
            start = next
        }
        while start < end {
            let last = bytes.index(before: end)
            guard isSpace(bytes[last]) else { break }
            if bytes[last] == 0x0A, last > start, bytes[bytes.index(before: last)] == 0x0D { break }
            end = last
        }
        if start == bytes.startIndex && end == bytes.endIndex { return self }
        return String(self[start..<end])
    }

    /// `trimmingWhitespace` for any string, a `Character` at a time.
    var trimmingWhitespaceCharacters: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
