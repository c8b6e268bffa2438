import Foundation
import Logging
import RPC
import Services
import Synchronization
import TraceFormat

/// Every service of the cluster inside one process, each with its own node id, recorder and server on an
/// ephemeral loopback port. For tests and benchmarks; `bookstore up` runs them as separate processes.
///
/// Safe to share between threads: the config and the hosts are fixed once started, and the running servers
/// (which `stop(_:)` removes) are guarded by a `Mutex`.
public final class InProcessCluster: Sendable {
    /// The config the services run with (their actual ports filled in).
    public let config: ClusterConfig
    public let tracesDirectory: String?
    private let servers: Mutex<[ServiceRole: RPCServer]>
    private let hosts: [ServiceRole: ServiceHost]

    /// Starts the services in `roles` (leaf services first, then the orchestrator, which needs their ports).
    /// - Parameters:
    ///   - tracesDirectory: run directory for the nodes' trace files; nil runs without tracing.
    ///   - configure: adjusts the config (deadlines, model path, …) before anything starts.
    public init(
        tracesDirectory: String?, roles: [ServiceRole] = ServiceRole.allCases,
        configure: (inout ClusterConfig) -> Void = { _ in }
    ) throws {
        var config = ClusterConfig()
        for role in ServiceRole.allCases { config.set(role, address: "127.0.0.1:0") }
        configure(&config)
        var servers: [ServiceRole: RPCServer] = [:]
        var hosts: [ServiceRole: ServiceHost] = [:]
        let ordered = roles.filter { $0 != .orchestrator } + roles.filter { $0 == .orchestrator }
        do {
            for role in ordered {
                let host = ServiceHost(
                    node: config.endpoint(of: role).id, recorder: try Self.recorder(role, config, tracesDirectory),
                    logger: Logger(label: role.rawValue) { _ in SwiftLogNoOpLogHandler() },
                    metricsEnabled: config.metrics, service: role.rawValue)
                hosts[role] = host
                let server = try ServiceFactory.start(role, config: config, host: host)
                config.set(role, address: "127.0.0.1:\(server.port)")
                servers[role] = server
            }
        } catch {
            Self.stop(servers: servers.values, hosts: hosts.values)
            throw error
        }
        self.tracesDirectory = tracesDirectory
        self.config = config
        self.servers = Mutex(servers)
        self.hosts = hosts
    }

    private static func recorder(
        _ role: ServiceRole, _ config: ClusterConfig, _ directory: String?
    ) throws
        -> TraceRecorder
    {
        let node = config.endpoint(of: role).id
        return try directory.map { try TraceRecorder.file(node: node, directory: $0) }
            ?? TraceRecorder(node: node, writer: nil)
    }

    /// The orchestrator's URL, e.g. `http://127.0.0.1:40123`.
    public var orchestratorURL: String { config.orchestrator.url }

    /// Stops one service (to test what its callers do without it).
    public func stop(_ role: ServiceRole) {
        servers.withLock { $0.removeValue(forKey: role) }?.stop()
    }

    /// Stops every server and closes every trace file.
    public func stop() {
        Self.stop(
            servers: servers.withLock { servers in
                defer { servers.removeAll() }
                return Array(servers.values)
            }, hosts: hosts.values)
    }

    private static func stop(servers: some Sequence<RPCServer>, hosts: some Sequence<ServiceHost>) {
        for server in servers { server.stop() }
        for host in hosts { host.shutdown() }
    }

    deinit { stop() }
}

extension ClusterConfig {
    /// Sets the address of `role`'s endpoint.
    public mutating func set(_ role: ServiceRole, address: String) {
        switch role {
        case .orchestrator: orchestrator.address = address
        case .verification: verification.address = address
        case .fraud: fraud.address = address
        case .suggestions: suggestions.address = address
        case .queue: queue.address = address
        }
    }
}
