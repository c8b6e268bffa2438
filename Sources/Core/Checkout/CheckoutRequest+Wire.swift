import WireJSON

// The byte-level codec of the checkout body: the same JSON as the synthesized `Codable` conformance (members in
// declaration order, absent optionals omitted, `null` read as absent, unknown members ignored, the first of two
// equal keys kept). `WireCodecTests` checks it against Foundation for many generated values.

extension CheckoutRequest: WireCodable {
    private static let names: [StaticString] = [
        "user", "creditCard", "userComment", "items", "discountCode", "shippingMethod", "giftMessage",
        "billingAddress", "shippingAddress", "giftWrapping", "termsAndConditionsAccepted", "termsAccepted",
        "notificationPreferences", "device", "browser", "appVersion", "screenResolution", "referrer",
        "deviceLanguage",
    ]

    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("user", user)
        writer.field("creditCard", creditCard)
        writer.field("userComment", userComment)
        writer.field("items", items)
        writer.field("discountCode", discountCode)
        writer.field("shippingMethod", shippingMethod)
        writer.field("giftMessage", giftMessage)
        writer.field("billingAddress", billingAddress)
        writer.field("shippingAddress", shippingAddress)
        writer.field("giftWrapping", giftWrapping)
        writer.field("termsAndConditionsAccepted", termsAndConditionsAccepted)
        writer.field("termsAccepted", termsAccepted)
        writer.field("notificationPreferences", notificationPreferences)
        writer.field("device", device)
        writer.field("browser", browser)
        writer.field("appVersion", appVersion)
        writer.field("screenResolution", screenResolution)
        writer.field("referrer", referrer)
        writer.field("deviceLanguage", deviceLanguage)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var request = CheckoutRequest()
        try readFields(Self.names, &reader) { field, reader throws(WireDecodingError) in
            try request.read(field, from: &reader)
        }
        self = request
    }

    private mutating func read(_ field: Int, from reader: inout JSONReader) throws(WireDecodingError) {
        switch field {
        case 0: user = try reader.readOptional(User.self)
        case 1: creditCard = try reader.readOptional(CreditCard.self)
        case 2: userComment = try reader.readOptionalString()
        case 3: items = try reader.readOptionalArray(of: Item.self)
        case 4: discountCode = try reader.readOptionalString()
        case 5: shippingMethod = try reader.readOptionalString()
        case 6: giftMessage = try reader.readOptionalString()
        case 7: billingAddress = try reader.readOptional(Address.self)
        case 8: shippingAddress = try reader.readOptional(Address.self)
        case 9: giftWrapping = try reader.readOptionalBool()
        case 10: termsAndConditionsAccepted = try reader.readOptionalBool()
        case 11: termsAccepted = try reader.readOptionalBool()
        case 12: notificationPreferences = reader.readNull() ? nil : try reader.readStringArray()
        case 13: device = try reader.readOptional(Device.self)
        case 14: browser = try reader.readOptional(Browser.self)
        case 15: appVersion = try reader.readOptionalString()
        case 16: screenResolution = try reader.readOptionalString()
        case 17: referrer = try reader.readOptionalString()
        default: deviceLanguage = try reader.readOptionalString()
        }
    }
}

/// Reads an object whose members are all optional strings, in `names` order, into `values` (nil when absent).
private func readStringFields(
    _ names: [StaticString], _ reader: inout JSONReader
) throws(WireDecodingError) -> [String?] {
    var values = [String?](repeating: nil, count: names.count)
    try readFields(names, &reader) { field, reader throws(WireDecodingError) in
        values[field] = try reader.readOptionalString()
    }
    return values
}

extension CheckoutRequest.User: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("name", name)
        writer.field("contact", contact)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        let values = try readStringFields(["name", "contact"], &reader)
        self.init(name: values[0], contact: values[1])
    }
}

extension CheckoutRequest.CreditCard: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("number", number)
        writer.field("expirationDate", expirationDate)
        writer.field("cvv", cvv)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        let values = try readStringFields(["number", "expirationDate", "cvv"], &reader)
        self.init(number: values[0], expirationDate: values[1], cvv: values[2])
    }
}

extension CheckoutRequest.Address: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("street", street)
        writer.field("city", city)
        writer.field("state", state)
        writer.field("zip", zip)
        writer.field("country", country)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        let values = try readStringFields(["street", "city", "state", "zip", "country"], &reader)
        self.init(street: values[0], city: values[1], state: values[2], zip: values[3], country: values[4])
    }
}

extension CheckoutRequest.Device: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("type", type)
        writer.field("model", model)
        writer.field("os", os)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        let values = try readStringFields(["type", "model", "os"], &reader)
        self.init(type: values[0], model: values[1], os: values[2])
    }
}

extension CheckoutRequest.Browser: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("name", name)
        writer.field("version", version)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        let values = try readStringFields(["name", "version"], &reader)
        self.init(name: values[0], version: values[1])
    }
}

extension CheckoutRequest.Item: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("name", name)
        writer.field("quantity", quantity)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var name: String?
        var quantity: Int?
        try readFields(["name", "quantity"], &reader) { field, reader throws(WireDecodingError) in
            if field == 0 { name = try reader.readOptionalString() } else { quantity = try reader.readOptionalInt() }
        }
        self.init(name: name, quantity: quantity)
    }
}
