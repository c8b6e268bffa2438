import WireJSON

// The byte-level codecs of the services' messages: the same JSON as their synthesized `Codable` conformances
// (members in declaration order; a required member missing or `null`, or any type mismatch, is left to the
// reference decoder, which refuses it with its own message). `WireCodecTests` checks them against Foundation.

extension OrderEnvelope: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("orderId", orderId)
        writer.field("order", order)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var orderId: String?
        var order: CheckoutRequest?
        try readFields(["orderId", "order"], &reader) { field, reader throws(WireDecodingError) in
            if field == 0 { orderId = try reader.readString() } else { order = try CheckoutRequest(wire: &reader) }
        }
        self.init(orderId: try required(orderId), order: try required(order))
    }
}

extension Finding: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("code", code)
        writer.field("field", field)
        writer.field("message", message)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var code: String?
        var field: String?
        var message: String?
        try readFields(["code", "field", "message"], &reader) { index, reader throws(WireDecodingError) in
            switch index {
            case 0: code = try reader.readString()
            case 1: field = try reader.readOptionalString()
            default: message = try reader.readString()
            }
        }
        self.init(code: try required(code), field: field, message: try required(message))
    }
}

extension VerificationResult: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("valid")
        writer.bool(valid)
        writer.field("failures", failures)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var valid: Bool?
        var failures: [Finding]?
        try readFields(["valid", "failures"], &reader) { field, reader throws(WireDecodingError) in
            if field == 0 { valid = try reader.readBool() } else { failures = try reader.readArray(of: Finding.self) }
        }
        self.init(failures: try required(failures))
        self.valid = try required(valid)  // as sent, like the synthesized decoder
    }
}

extension FraudAssessment: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("fraudulent")
        writer.bool(fraudulent)
        writer.key("score")
        writer.double(score)
        writer.key("threshold")
        writer.double(threshold)
        writer.field("rulesFired", rulesFired)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var fraudulent: Bool?
        var score: Double?
        var threshold: Double?
        var rules: [Finding]?
        let names: [StaticString] = ["fraudulent", "score", "threshold", "rulesFired"]
        try readFields(names, &reader) { field, reader throws(WireDecodingError) in
            switch field {
            case 0: fraudulent = try reader.readBool()
            case 1: score = try reader.readDouble()
            case 2: threshold = try reader.readDouble()
            default: rules = try reader.readArray(of: Finding.self)
            }
        }
        self.init(score: try required(score), threshold: try required(threshold), rulesFired: try required(rules))
        self.fraudulent = try required(fraudulent)  // as sent, like the synthesized decoder
    }
}

extension SuggestionRequest: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("orderId", orderId)
        writer.field("orderedTitles", orderedTitles)
        writer.field("count", count)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var orderId: String?
        var titles: [String]?
        var count: Int?
        try readFields(["orderId", "orderedTitles", "count"], &reader) { field, reader throws(WireDecodingError) in
            switch field {
            case 0: orderId = try reader.readString()
            case 1: titles = try reader.readStringArray()
            default: count = try reader.readInt()
            }
        }
        self.init(orderId: try required(orderId), orderedTitles: try required(titles), count: try required(count))
    }
}

extension SuggestedBook: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("bookId", bookId)
        writer.field("title", title)
        writer.field("author", author)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var values: [String?] = [nil, nil, nil]
        try readFields(["bookId", "title", "author"], &reader) { field, reader throws(WireDecodingError) in
            values[field] = try reader.readString()
        }
        self.init(bookId: try required(values[0]), title: try required(values[1]), author: try required(values[2]))
    }
}

extension SuggestionResult: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("books", books)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var books: [SuggestedBook]?
        try readFields(["books"], &reader) { _, reader throws(WireDecodingError) in
            books = try reader.readArray(of: SuggestedBook.self)
        }
        self.init(books: try required(books))
    }
}

extension OrderTicket: WireCodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("orderId", orderId)
        writer.field("items", items)
        writer.field("shippingMethod", shippingMethod)
        writer.field("country", country)
        writer.field("traceId", traceId)
        writer.field("parentSpanId", parentSpanId)
        writer.endObject()
    }

    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var orderId: String?
        var items: [CheckoutRequest.Item]?
        var strings: [String?] = [nil, nil, nil, nil]
        let names: [StaticString] = ["orderId", "items", "shippingMethod", "country", "traceId", "parentSpanId"]
        try readFields(names, &reader) { field, reader throws(WireDecodingError) in
            switch field {
            case 0: orderId = try reader.readString()
            case 1: items = try reader.readArray(of: CheckoutRequest.Item.self)
            default: strings[field - 2] = try reader.readOptionalString()
            }
        }
        self.init(
            orderId: try required(orderId), items: try required(items), shippingMethod: strings[0],
            country: strings[1], traceId: strings[2], parentSpanId: strings[3])
    }
}
