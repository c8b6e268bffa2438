import TraceFormat

/// Encodes spans as one OTLP/JSON `TracesData` (= `ExportTraceServiceRequest`) object (the proto3 JSON mapping
/// with OTLP's exceptions: lowerCamelCase names, 64-bit integers and nanosecond times as decimal strings, ids as
/// lowercase hex, enums as integers), with the OpenTelemetry conventions of `OTLPConventions`.
public enum OTLPEncoder {
    /// The instrumentation scope named in every export.
    public static let scopeName = "bookstore-cluster"

    /// One line (without the newline) holding every span of `spans`, grouped by node and process (one resource
    /// each). A parent id is written only when it is in `known` (by default: the spans' own ids); a span whose
    /// parent is elsewhere (not recorded, filtered out, lost) becomes a root, its parent id kept in the attribute
    /// `bookstore.parent_span_id`. The live export passes `keepsEveryParent`: a span's parent is usually in
    /// another request, often from another process (the caller of a server span, the enqueue call of a consumer
    /// span), so every recorded parent is written.
    public static func tracesData(
        _ spans: [AssembledSpan], known: Set<String>? = nil, keepsEveryParent: Bool = false,
        addresses: [String: String] = [:]
    ) -> String {
        let known = keepsEveryParent ? nil : known ?? Set(spans.map(\.spanID))
        var byResource: [ResourceKey: [String]] = [:]
        for span in spans {
            byResource[ResourceKey(node: span.node, pid: span.pid), default: []].append(
                encode(span, known: known, addresses: addresses))
        }
        let resourceSpans = byResource.keys.sorted().map { key in
            let attributes = OTLPConventions.resourceAttributes(node: key.node, pid: key.pid).compactMap {
                attribute($0.0, $0.1)
            }
            let resource = JSONWriting.object([("attributes", JSONWriting.array(attributes))])
            let scope = JSONWriting.object([("name", JSONWriting.quoted(scopeName))])
            let scopeSpans = JSONWriting.object([("scope", scope), ("spans", JSONWriting.array(byResource[key]!))])
            return JSONWriting.object([("resource", resource), ("scopeSpans", JSONWriting.array([scopeSpans]))])
        }
        return JSONWriting.object([("resourceSpans", JSONWriting.array(resourceSpans))])
    }

    private struct ResourceKey: Hashable, Comparable {
        var node: String
        var pid: Int32
        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.node, lhs.pid) < (rhs.node, rhs.pid) }
    }

    /// One span; its parent is written when `known` holds it (nil: always).
    static func encode(_ span: AssembledSpan, known: Set<String>?, addresses: [String: String]) -> String {
        let endEvent = span.end ?? span.start
        let endNanos = max(endEvent.wallTimeNanos, span.start.wallTimeNanos)
        var attributes = [
            attribute("bookstore.node", .string(span.node)), attribute("bookstore.pid", .int(Int64(span.pid))),
            attribute("bookstore.seq", .int(Int64(clamping: span.start.sequence))),
            attribute("bookstore.vector_clock", .string(span.start.clock.description)),
        ]
        if let end = span.end {
            attributes.append(attribute("bookstore.vector_clock.end", .string(end.clock.description)))
        }
        attributes += OTLPConventions.attributes(of: span, addresses: addresses).map { attribute($0.0, $0.1) }
        var data = span.start.data
        if let end = span.end { data.merge(end.data) { _, new in new } }
        attributes += dataAttributes(data)
        if span.isIncomplete { attributes.append(attribute("bookstore.incomplete", .bool(true))) }
        var members: [(String, String)] = [
            ("traceId", JSONWriting.quoted(span.traceID)), ("spanId", JSONWriting.quoted(span.spanID)),
        ]
        if let parent = span.parentSpanID {
            if known?.contains(parent) ?? true, parent != span.spanID {
                members.append(("parentSpanId", JSONWriting.quoted(parent)))
            } else {
                attributes.append(attribute("bookstore.parent_span_id", .string(parent)))
            }
        }
        var status: [(String, String)] = [("code", String(span.statusCode))]
        if let message = span.statusMessage { status.insert(("message", JSONWriting.quoted(message)), at: 0) }
        members += [
            ("name", JSONWriting.quoted(span.name)), ("kind", String(span.kind.rawValue)),
            ("startTimeUnixNano", JSONWriting.quoted(String(span.start.wallTimeNanos))),
            ("endTimeUnixNano", JSONWriting.quoted(String(endNanos))),
            ("attributes", JSONWriting.array(attributes.compactMap { $0 })),
        ]
        if !span.events.isEmpty { members.append(("events", JSONWriting.array(span.events.map(encodeEvent)))) }
        if !span.links.isEmpty { members.append(("links", JSONWriting.array(span.links.map(encodeLink)))) }
        members.append(("status", JSONWriting.object(status)))
        return JSONWriting.object(members)
    }

    /// A span link with its relation as `bookstore.link`.
    static func encodeLink(_ link: AssembledSpan.Link) -> String {
        JSONWriting.object([
            ("traceId", JSONWriting.quoted(link.traceID)), ("spanId", JSONWriting.quoted(link.spanID)),
            ("attributes", JSONWriting.array([attribute("bookstore.link", .string(link.relation))].compactMap { $0 })),
        ])
    }

    /// A span event: name = the event kind, with its clock, sequence number and data.
    static func encodeEvent(_ event: TraceEvent) -> String {
        let attributes =
            [
                attribute("bookstore.seq", .int(Int64(clamping: event.sequence))),
                attribute("bookstore.vector_clock", .string(event.clock.description)),
            ] + dataAttributes(event.data)
        return JSONWriting.object([
            ("timeUnixNano", JSONWriting.quoted(String(event.wallTimeNanos))),
            ("name", JSONWriting.quoted(event.kind.rawValue)),
            ("attributes", JSONWriting.array(attributes.compactMap { $0 })),
        ])
    }

    /// `data` fields as `bookstore.<key>` attributes, sorted by key; nulls are left out.
    static func dataAttributes(_ data: [String: TraceValue]) -> [String?] {
        data.keys.sorted().map { attribute("bookstore.\($0)", data[$0]!) }
    }

    /// A `KeyValue`; nil for a null value (OTLP has no null).
    static func attribute(_ key: String, _ value: TraceValue) -> String? {
        anyValue(value).map { JSONWriting.object([("key", JSONWriting.quoted(key)), ("value", $0)]) }
    }

    /// An `AnyValue`: int64 as a decimal string, objects as `kvlistValue`, arrays as `arrayValue`.
    static func anyValue(_ value: TraceValue) -> String? {
        switch value {
        case .string(let text): return JSONWriting.object([("stringValue", JSONWriting.quoted(text))])
        case .int(let number): return JSONWriting.object([("intValue", JSONWriting.quoted(String(number)))])
        case .bool(let flag): return JSONWriting.object([("boolValue", flag ? "true" : "false")])
        case .double(let number):
            let text =
                number.isNaN
                ? "\"NaN\""
                : number.isInfinite
                    ? (number > 0 ? "\"Infinity\"" : "\"-Infinity\"")
                    : JSONWriting.number(number)
            return JSONWriting.object([("doubleValue", text)])
        case .null: return nil
        case .array(let items):
            let values = items.map { anyValue($0) ?? "{}" }
            return JSONWriting.object([("arrayValue", JSONWriting.object([("values", JSONWriting.array(values))]))])
        case .object(let members):
            let values = members.keys.sorted().compactMap { attribute($0, members[$0]!) }
            return JSONWriting.object([("kvlistValue", JSONWriting.object([("values", JSONWriting.array(values))]))])
        }
    }
}
