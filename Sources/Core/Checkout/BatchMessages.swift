import WireJSON

/// One checkout's part of a batched service call: its params and the checkout's `traceparent`, so the service
/// logs about the order in the checkout's own trace.
public struct BatchItem<Params: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// The checkout's span as a W3C `traceparent` (`00-<trace>-<span>-01`).
    public var trace: String
    public var params: Params

    public init(trace: String, params: Params) {
        self.trace = trace
        self.params = params
    }
}

/// The params of a batched method (`verifyBatch`, `assessBatch`, `suggestBatch`): several checkouts' calls in
/// one exchange. The orchestrator gathers checkouts that are in flight at the same time (`FanOutBatcher`).
public struct BatchParams<Params: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// Most items one batch may carry; a longer batch is refused whole.
    public static var maxItems: Int { 64 }

    public var items: [BatchItem<Params>]

    public init(items: [BatchItem<Params>]) {
        self.items = items
    }
}

/// The result of a batched method: one result per item, in the items' order.
public struct BatchResults<Result: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var results: [Result]

    public init(results: [Result]) {
        self.results = results
    }
}

extension BatchItem: WireEncodable where Params: WireEncodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("trace", trace)
        writer.field("params", params)
        writer.endObject()
    }
}

extension BatchItem: WireDecodable where Params: WireDecodable {
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        var trace: String?
        var params: Params?
        try readFields(["trace", "params"], &reader) { field, reader throws(WireDecodingError) in
            if field == 0 { trace = try reader.readString() } else { params = try Params(wire: &reader) }
        }
        self.init(trace: try required(trace), params: try required(params))
    }
}

extension BatchParams: WireEncodable where Params: WireEncodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("items", items)
        writer.endObject()
    }
}

extension BatchParams: WireDecodable where Params: WireDecodable {
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        self.init(items: try readOnlyMember("items", &reader))
    }
}

extension BatchResults: WireEncodable where Result: WireEncodable {
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("results", results)
        writer.endObject()
    }
}

extension BatchResults: WireDecodable where Result: WireDecodable {
    public init(wire reader: inout JSONReader) throws(WireDecodingError) {
        self.init(results: try readOnlyMember("results", &reader))
    }
}

/// The array held by an object's one required member `name` (other members skipped).
private func readOnlyMember<Element: WireDecodable>(
    _ name: StaticString, _ reader: inout JSONReader
) throws(WireDecodingError) -> [Element] {
    var values: [Element]?
    try readFields([name], &reader) { _, reader throws(WireDecodingError) in
        values = try reader.readArray(of: Element.self)
    }
    return try required(values)
}
