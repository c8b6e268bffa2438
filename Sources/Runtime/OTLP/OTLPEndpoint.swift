/// Where the live export sends spans, as the OpenTelemetry SDKs read it: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
/// (the full URL), else `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL: `/v1/traces` is appended), else the cluster
/// config's `otlpEndpoint` (a base URL too). nil when none is set: the live export is off.
public enum OTLPEndpoint {
    /// The `/v1/traces` URL, or nil (export off). Throws `invalid` for a value that is not an http(s) URL.
    public static func resolve(environment: [String: String], configured: String?) throws(Invalid) -> String? {
        if let traces = nonEmpty(environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]) {
            return try checked(traces, source: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        }
        if let base = nonEmpty(environment["OTEL_EXPORTER_OTLP_ENDPOINT"]) {
            return try checked(tracesURL(base: base), source: "OTEL_EXPORTER_OTLP_ENDPOINT")
        }
        if let base = nonEmpty(configured) { return try checked(tracesURL(base: base), source: "otlpEndpoint") }
        return nil
    }

    /// `base` with `/v1/traces` appended (one slash between).
    public static func tracesURL(base: String) -> String {
        var trimmed = Substring(base)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed + "/v1/traces"
    }

    /// A value that is not an `http://` or `https://` URL of at most 2048 bytes.
    public struct Invalid: Error, CustomStringConvertible {
        public var source: String
        public var value: String
        public var description: String { "\(source): not an http(s) URL: \(value.prefix(100))" }
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    private static func checked(_ url: String, source: String) throws(Invalid) -> String {
        let lower = url.lowercased()
        guard url.utf8.count <= 2048, lower.hasPrefix("http://") || lower.hasPrefix("https://"),
            !url.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } ?? false })
        else { throw Invalid(source: source, value: url) }
        return url
    }
}
