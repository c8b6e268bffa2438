import Causality
import Foundation
import OTLP
import TraceFormat

/// Checks OTLP/JSON `TracesData` lines against the proto3 JSON mapping and the export's promises.
/// Returns one message per problem (empty when the export is valid).
enum OTLPValidator {
    static let spanKeys: Set<String> = [
        "traceId", "spanId", "parentSpanId", "name", "kind", "startTimeUnixNano", "endTimeUnixNano", "attributes",
        "events", "links", "status",
    ]

    static func problems(_ text: String) -> [String] {
        var problems: [String] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.last == "" else { return ["output does not end with a newline"] }
        for (number, line) in lines.dropLast().enumerated() {
            let at = "line \(number + 1)"
            guard let root = try? parseJSON(line) else {
                problems.append("\(at): not JSON")
                continue
            }
            guard root.objectValue?.keys.sorted() == ["resourceSpans"],
                let resources = root["resourceSpans"]?.arrayValue, !resources.isEmpty
            else {
                problems.append("\(at): expected exactly a non-empty resourceSpans array")
                continue
            }
            var spans: [TraceValue] = []
            for resource in resources {
                let attributes = resource["resource"]?["attributes"]?.arrayValue ?? []
                problems += attributes.flatMap { attributeProblems($0, at: at) }
                if !attributes.contains(where: { $0["key"] == "service.name" && $0["value"]?["stringValue"] != nil }) {
                    problems.append("\(at): resource without service.name")
                }
                for scopeSpans in resource["scopeSpans"]?.arrayValue ?? [] {
                    if scopeSpans["scope"]?["name"]?.stringValue == nil { problems.append("\(at): scope without name") }
                    spans += scopeSpans["spans"]?.arrayValue ?? []
                }
            }
            problems += traceProblems(spans, at: at)
        }
        return problems
    }

    private static func traceProblems(_ spans: [TraceValue], at: String) -> [String] {
        var problems: [String] = []
        if spans.isEmpty { problems.append("\(at): no spans") }
        let traceIDs = Set(spans.compactMap { $0["traceId"]?.stringValue })
        if traceIDs.count != 1 { problems.append("\(at): \(traceIDs.count) trace ids in one line, expected 1") }
        let spanIDs = spans.compactMap { $0["spanId"]?.stringValue }
        if Set(spanIDs).count != spanIDs.count { problems.append("\(at): duplicate span ids") }
        for span in spans {
            let name = "\(at) span \(span["spanId"]?.stringValue ?? "?")"
            guard let members = span.objectValue else {
                problems.append("\(name): not an object")
                continue
            }
            if let extra = Set(members.keys).subtracting(spanKeys).first {
                problems.append("\(name): unknown field \(extra)")
            }
            if !isHex(span["traceId"], 32) { problems.append("\(name): traceId is not 32 lowercase hex digits") }
            if !isHex(span["spanId"], 16) { problems.append("\(name): spanId is not 16 lowercase hex digits") }
            if let parent = span["parentSpanId"] {
                if !isHex(parent, 16) || !spanIDs.contains(parent.stringValue ?? "") {
                    problems.append("\(name): parentSpanId \(parent) is not a span of this trace")
                }
            }
            if span["name"]?.stringValue?.isEmpty != false { problems.append("\(name): no name") }
            if case .int(let kind)? = span["kind"], (1...5).contains(kind) {
            } else {
                problems.append("\(name): kind is not an integer in 1...5")
            }
            let start = nanos(span["startTimeUnixNano"])
            let end = nanos(span["endTimeUnixNano"])
            if start == nil || end == nil { problems.append("\(name): times are not decimal strings") }
            if let start, let end, end < start { problems.append("\(name): ends before it starts") }
            let attributes = span["attributes"]?.arrayValue ?? []
            problems += attributes.flatMap { attributeProblems($0, at: name) }
            let clock = attributes.first { $0["key"] == "bookstore.vector_clock" }?["value"]?["stringValue"]
            if clock?.stringValue.flatMap(VectorClock.init(jsonText:)) == nil {
                problems.append("\(name): no parseable bookstore.vector_clock")
            }
            if !attributes.contains(where: { $0["key"] == "bookstore.node" }) { problems.append("\(name): no node") }
            for event in span["events"]?.arrayValue ?? [] {
                if nanos(event["timeUnixNano"]) == nil { problems.append("\(name): event time is not a string") }
                if event["name"]?.stringValue == nil { problems.append("\(name): event without name") }
                problems += (event["attributes"]?.arrayValue ?? []).flatMap { attributeProblems($0, at: name) }
            }
            for link in span["links"]?.arrayValue ?? [] {
                if !HexID.isValid(link["traceId"]?.stringValue, length: 32)
                    || !HexID.isValid(link["spanId"]?.stringValue, length: 16)
                {
                    problems.append("\(name): a link without valid ids")
                }
                problems += (link["attributes"]?.arrayValue ?? []).flatMap { attributeProblems($0, at: name) }
            }
            if case .int(let code)? = span["status"]?["code"], (0...2).contains(code) {
            } else {
                problems.append("\(name): status.code is not an integer in 0...2")
            }
        }
        return problems
    }

    /// A `KeyValue` with an `AnyValue` holding exactly one correctly typed field.
    static func attributeProblems(_ attribute: TraceValue, at: String) -> [String] {
        guard attribute.objectValue?.keys.sorted() == ["key", "value"], let key = attribute["key"]?.stringValue,
            !key.isEmpty, let value = attribute["value"]
        else { return ["\(at): malformed attribute \(attribute)"] }
        return anyValueProblems(value).map { "\(at): attribute \(key): \($0)" }
    }

    private static func anyValueProblems(_ value: TraceValue) -> [String] {
        guard let members = value.objectValue, members.count == 1, let (field, content) = members.first else {
            return ["AnyValue must have exactly one field"]
        }
        switch (field, content) {
        case ("stringValue", .string), ("boolValue", .bool), ("doubleValue", .double), ("doubleValue", .int):
            return []
        case ("intValue", .string(let digits)):
            return Int64(digits) == nil ? ["intValue \(digits) is not a decimal int64"] : []
        case ("arrayValue", _):
            return (content["values"]?.arrayValue ?? []).flatMap(anyValueProblems)
        case ("kvlistValue", _):
            return (content["values"]?.arrayValue ?? []).flatMap { attributeProblems($0, at: "kvlist") }
        default:
            return ["\(field) has the wrong JSON type: \(content)"]
        }
    }

    private static func isHex(_ value: TraceValue?, _ length: Int) -> Bool {
        guard let text = value?.stringValue, text.count == length else { return false }
        return text.allSatisfy { "0123456789abcdef".contains($0) } && text.contains { $0 != "0" }
    }

    private static func nanos(_ value: TraceValue?) -> UInt64? {
        guard case .string(let text)? = value, text.allSatisfy(\.isASCII) else { return nil }
        return UInt64(text)
    }
}
