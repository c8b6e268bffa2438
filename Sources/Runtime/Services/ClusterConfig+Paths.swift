import Foundation

/// Paths of a config: relative ones are taken from a base folder (the config file's, or the current directory's
/// for command-line flags and environment variables).
public enum ConfigPaths {
    /// `path` made absolute against `base` (default: the current directory), with `.` and `..` removed.
    public static func absolute(_ path: String, base: String? = nil) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        let folder = base ?? FileManager.default.currentDirectoryPath
        return ((folder as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }

    /// Why `text` cannot be a path from untrusted input (empty, NUL, too long), or nil.
    public static func problem(_ text: String) -> String? {
        if text.isEmpty { return "an empty path" }
        if text.utf8.count > 4096 { return "a path longer than 4096 bytes" }
        if text.utf8.contains(0) || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a path with control characters"
        }
        return nil
    }
}

extension ClusterConfig {
    /// This config with every relative path (fraud model, traces root, queue data directory, secret file, TLS
    /// files) made absolute against `base`.
    public func resolvingPaths(against base: String) -> ClusterConfig {
        func resolve(_ path: String) -> String { path.isEmpty ? path : ConfigPaths.absolute(path, base: base) }
        var config = self
        config.fraudModel = resolve(fraudModel)
        config.tracesRoot = resolve(tracesRoot)
        config.queueStore.dataDir = queueStore.dataDir.map(resolve)
        config.security.secretFile = security.secretFile.map(resolve)
        if var tls = security.tls {
            tls.certificateFile = resolve(tls.certificateFile)
            tls.keyFile = resolve(tls.keyFile)
            tls.caFile = resolve(tls.caFile)
            config.security.tls = tls
        }
        return config
    }

    /// Every node's id, advertised address and listen address, for validation.
    var allEndpoints: [Endpoint] {
        ServiceRole.allCases.map { endpoint(of: $0) } + executors.replicas.map(\.endpoint)
    }

    /// The first unusable address or run id in the config, described, or nil.
    func addressProblem() -> String? {
        for endpoint in allEndpoints {
            if let problem = AddressText.problem(endpoint.address, listen: false) {
                return "\(endpoint.id).address \(endpoint.address.debugDescription): \(problem)"
            }
            if let listen = endpoint.listen, let problem = AddressText.problem(listen, listen: true) {
                return "\(endpoint.id).listen \(listen.debugDescription): \(problem)"
            }
        }
        if let runID, let problem = RunID.problem(runID) { return "runID \(runID.debugDescription): \(problem)" }
        return nil
    }
}

extension ClusterConfig.Endpoint {
    /// Where this service binds: `listen` when set; else the advertised address when its host is an IP
    /// literal or `localhost`; else (a DNS name, as in containers) every interface on the advertised port.
    public var listenAddress: ListenAddress? {
        if let listen { return ListenAddress(listen) }
        guard let advertised = ListenAddress(address) else { return nil }
        if AddressText.isIPLiteral(advertised.host) || advertised.host == "localhost" { return advertised }
        return ListenAddress(host: "0.0.0.0", port: advertised.port)
    }
}

/// Checks `host:port` text from a config file or the environment.
public enum AddressText {
    /// Why `text` is not a usable `host:port` (a `listen` address may leave the host out: all interfaces), or nil.
    public static func problem(_ text: String, listen: Bool) -> String? {
        guard text.utf8.count <= 261 else { return "longer than 261 bytes" }
        guard let colon = text.lastIndex(of: ":") else { return "not HOST:PORT" }
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.utf8.count <= 5, portText.allSatisfy(\.isASCIIDigit),
            let port = Int(portText), (listen ? 0...65535 : 1...65535).contains(port)
        else { return "the port must be a number in \(listen ? 0 : 1)…65535" }
        var host = String(text[..<colon])
        if host.isEmpty { return listen ? nil : "the host is missing" }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            return isIPLiteral(host) && host.contains(":") ? nil : "not an IPv6 address in brackets"
        }
        if isIPLiteral(host) { return nil }
        return isDNSName(host) ? nil : "the host is neither an IP address nor a DNS name"
    }

    /// True for an IPv4 or IPv6 address literal.
    public static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// RFC 1123 host names: labels of 1–63 letters, digits and hyphens, not starting or ending with a hyphen.
    static func isDNSName(_ host: String) -> Bool {
        guard host.utf8.count <= 253 else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// A run id: the folder name shared by every host's trace files of one run.
public enum RunID {
    /// Why `text` cannot be a run id (1–64 letters, digits, `.`, `_`, `-`; not starting with `.`; not `latest`).
    public static func problem(_ text: String) -> String? {
        guard (1...64).contains(text.utf8.count) else { return "must be 1–64 characters" }
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            return "only letters, digits, '.', '_' and '-' are allowed"
        }
        if text.hasPrefix(".") { return "must not start with '.'" }
        if text == "latest" { return "'latest' is the name of the newest run's link" }
        return nil
    }
}

extension ClusterConfig {
    /// Every node's advertised address by node id.
    public var allAdvertised: [String: String] {
        Dictionary(allEndpoints.map { ($0.id, $0.address) }, uniquingKeysWith: { first, _ in first })
    }

    /// The run id for a new run on this machine: `BOOKSTORE_RUN_ID`, else the config's `runID`, else nil (a new
    /// one is made). Throws a `ConfigError` naming the variable when it is not a usable run id.
    public func sharedRunID(environment: [String: String]) throws -> String? {
        if let value = environment["BOOKSTORE_RUN_ID"] {
            if let problem = RunID.problem(value) {
                throw ConfigError(path: "$BOOKSTORE_RUN_ID", reason: "\(value.debugDescription): \(problem)")
            }
            return value
        }
        return runID
    }
}
