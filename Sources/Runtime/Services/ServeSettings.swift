import Foundation

/// What one `bookstore serve` process runs as, from its command line, its config and its environment (in that
/// order of precedence). The environment is untrusted input: every value is checked and a bad one is a
/// `ConfigError` naming the variable, before anything starts.
///
/// Variables (see docs/deploy.md): `BOOKSTORE_CONFIG` (config file when `--config` is absent), `BOOKSTORE_NODE`
/// (this node's id, e.g. `executor-2`; for an executor it gives the id), `BOOKSTORE_EXECUTOR_ID`,
/// `BOOKSTORE_LISTEN` (bind `HOST:PORT` or `:PORT`), `BOOKSTORE_ADVERTISE` (this node's address for others),
/// `BOOKSTORE_RUN_ID`, `BOOKSTORE_TRACES_DIR` (the traces root; the run directory is `<root>/<run id>`),
/// `BOOKSTORE_DATA_DIR` (the queue's data directory), `BOOKSTORE_SECRET_FILE` (the cluster secret's file).
public struct ServeSettings: Sendable, Equatable {
    /// The cluster config with this node's overrides applied.
    public var config: ClusterConfig
    /// This node's id (trace file name, clock entry).
    public var node: String
    /// The role, or nil for an executor.
    public var role: ServiceRole?
    /// The executor's id (nil for the other services).
    public var executorID: Int?
    /// Where the server binds.
    public var listen: ListenAddress
    /// The run id the traces belong to.
    public var runID: String
    /// The run directory this node writes `<node>.jsonl.gz` into.
    public var tracesDirectory: String
    /// The queue's data directory (for the queue; nil otherwise).
    public var dataDirectory: String?

    /// What the command line says (nil: not given).
    public struct Flags: Sendable {
        public var service: String
        public var executorID: Int?
        public var listen: String?
        public var traces: String?
        public var data: String?
        public init(
            service: String, executorID: Int? = nil, listen: String? = nil, traces: String? = nil,
            data: String? = nil
        ) {
            self.service = service
            self.executorID = executorID
            self.listen = listen
            self.traces = traces
            self.data = data
        }
    }

    /// The config file to read: `--config`, else `BOOKSTORE_CONFIG`, else none (defaults).
    public static func configPath(flag: String?, environment: [String: String]) throws -> String? {
        if let flag { return flag }
        guard let path = environment["BOOKSTORE_CONFIG"] else { return nil }
        if let problem = ConfigPaths.problem(path) { throw ConfigError(path: "$BOOKSTORE_CONFIG", reason: problem) }
        return path
    }

    /// Resolves the settings of one node. `environment` is passed in; nothing is read but the current directory's
    /// path (relative paths from flags and variables are made absolute against it).
    public static func resolve(
        flags: Flags, config base: ClusterConfig, environment: [String: String]
    ) throws -> ServeSettings {
        let env = EnvironmentReader(environment)
        var config = base
        if let secret = try env.path("BOOKSTORE_SECRET_FILE") { config.security.secretFile = secret }
        let (role, executorID, node) = try identity(flags: flags, config: config, env: env)
        let advertise = try env.address("BOOKSTORE_ADVERTISE", listen: false)
        let listenText = try flags.listen.map { try checkedFlag($0) } ?? env.address("BOOKSTORE_LISTEN", listen: true)
        config.update(role: role, executorID: executorID) { endpoint in
            if let advertise { endpoint.address = advertise }
            if let listenText { endpoint.listen = listenText }
        }
        let endpoint = role.map { config.endpoint(of: $0) } ?? config.executors.replica(executorID!)!.endpoint
        guard let listen = endpoint.listenAddress else {
            throw ConfigError(path: "serve", reason: "\(node): no usable listen address in \(endpoint.address)")
        }
        let runID = try env.runID() ?? config.runID ?? "manual"
        config.runID = runID
        let root = try env.path("BOOKSTORE_TRACES_DIR") ?? config.tracesRoot
        config.tracesRoot = root
        let traces = flags.traces ?? (root as NSString).appendingPathComponent(runID)
        // Checked on every node (one environment is often shared by all containers), used by the queue.
        let dataFromEnvironment = try env.path("BOOKSTORE_DATA_DIR")
        var data: String?
        if role == .queue {
            data = flags.data ?? dataFromEnvironment ?? config.queueStore.dataDir ?? "data/queue"
        }
        return ServeSettings(
            config: config, node: node, role: role, executorID: executorID, listen: listen, runID: runID,
            tracesDirectory: traces, dataDirectory: data)
    }

    private static func checkedFlag(_ listen: String) throws -> String {
        if let problem = AddressText.problem(listen, listen: true) {
            throw ConfigError(path: "--listen", reason: "\(listen.debugDescription): \(problem)")
        }
        return listen
    }

    /// The role, executor id and node id: from the service argument, `--id`, `BOOKSTORE_EXECUTOR_ID` and
    /// `BOOKSTORE_NODE`, which must agree.
    private static func identity(
        flags: Flags, config: ClusterConfig, env: EnvironmentReader
    ) throws -> (ServiceRole?, Int?, String) {
        let named = try env.node(known: config.knownNodes)
        if let role = ServiceRole(rawValue: flags.service) {
            let node = config.endpoint(of: role).id
            if let named, named != node {
                throw ConfigError(
                    path: "$BOOKSTORE_NODE", reason: "\(named) is not the node of \(role.rawValue) (\(node))")
            }
            return (role, nil, node)
        }
        guard flags.service == "executor" else {
            throw ConfigError(path: "serve", reason: "unknown service \(flags.service.debugDescription)")
        }
        let fromNode = try named.map { name -> Int in
            guard let replica = config.executors.replicas.first(where: { $0.node == name }) else {
                throw ConfigError(path: "$BOOKSTORE_NODE", reason: "\(name) is not an executor of the config")
            }
            return replica.id
        }
        let candidates = [flags.executorID, try env.executorID(), fromNode].compactMap { $0 }
        guard let id = candidates.first else {
            throw ConfigError(
                path: "serve", reason: "an executor needs --id N, BOOKSTORE_EXECUTOR_ID or BOOKSTORE_NODE")
        }
        if let other = candidates.first(where: { $0 != id }) {
            throw ConfigError(path: "serve", reason: "the executor id is given twice and differs: \(id) and \(other)")
        }
        guard let replica = config.executors.replica(id) else {
            throw ConfigError(path: "serve", reason: "no executor with id \(id) in the config")
        }
        return (nil, id, replica.node)
    }
}

extension ClusterConfig {
    /// Changes the endpoint of `role` (or of executor `executorID` when `role` is nil).
    mutating func update(role: ServiceRole?, executorID: Int?, _ change: (inout Endpoint) -> Void) {
        if let role {
            var endpoint = self.endpoint(of: role)
            change(&endpoint)
            setEndpoint(role, endpoint)
        } else if let index = executors.replicas.firstIndex(where: { $0.id == executorID }) {
            var endpoint = executors.replicas[index].endpoint
            change(&endpoint)
            executors.replicas[index].address = endpoint.address
            executors.replicas[index].listen = endpoint.listen
        }
    }

    private mutating func setEndpoint(_ role: ServiceRole, _ endpoint: Endpoint) {
        switch role {
        case .orchestrator: orchestrator = endpoint
        case .verification: verification = endpoint
        case .fraud: fraud = endpoint
        case .suggestions: suggestions = endpoint
        case .queue: queue = endpoint
        }
    }
}

/// Reads and checks `BOOKSTORE_*` variables; every refusal names the variable.
struct EnvironmentReader {
    let values: [String: String]
    init(_ values: [String: String]) { self.values = values }

    private func text(_ name: String) throws -> String? {
        guard let value = values[name] else { return nil }
        guard !value.isEmpty else { throw ConfigError(path: "$\(name)", reason: "is set but empty") }
        return value
    }

    /// A path, made absolute against the current directory.
    func path(_ name: String) throws -> String? {
        guard let value = try text(name) else { return nil }
        if let problem = ConfigPaths.problem(value) { throw ConfigError(path: "$\(name)", reason: problem) }
        return ConfigPaths.absolute(value)
    }

    func address(_ name: String, listen: Bool) throws -> String? {
        guard let value = try text(name) else { return nil }
        if let problem = AddressText.problem(value, listen: listen) {
            throw ConfigError(path: "$\(name)", reason: "\(value.debugDescription): \(problem)")
        }
        return value
    }

    func runID() throws -> String? {
        guard let value = try text("BOOKSTORE_RUN_ID") else { return nil }
        if let problem = RunID.problem(value) {
            throw ConfigError(path: "$BOOKSTORE_RUN_ID", reason: "\(value.debugDescription): \(problem)")
        }
        return value
    }

    func executorID() throws -> Int? {
        guard let value = try text("BOOKSTORE_EXECUTOR_ID") else { return nil }
        guard value.utf8.count <= 9, value.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int(value), id > 0
        else {
            throw ConfigError(path: "$BOOKSTORE_EXECUTOR_ID", reason: "\(value.debugDescription): not a positive id")
        }
        return id
    }

    func node(known: Set<String>) throws -> String? {
        guard let value = try text("BOOKSTORE_NODE") else { return nil }
        guard known.contains(value) else {
            let shown = value.count > 64 ? String(value.prefix(64)) + "…" : value
            throw ConfigError(path: "$BOOKSTORE_NODE", reason: "\(shown.debugDescription) is not a node of the config")
        }
        return value
    }
}
