import ClusterProtocol
import Foundation
import FraudModel
import RPC

/// Builds the router of each service from the cluster config, so that the `serve` command and tests
/// start services the same way.
public enum ServiceFactory {
    /// Gives `host` the cluster's credential, clock bounds, connection limits and TLS: every service and executor
    /// goes through here before it makes a client or starts its server.
    static func prepare(_ host: ServiceHost, config: ClusterConfig) throws {
        try host.adopt(config)
        host.configureTransport(config.security)
        try host.startLiveExport(config: config)
    }

    /// The router of `role`, with its dependencies (clients, model, catalog) created on `host`.
    /// Throws when the service cannot start (for example the fraud model is missing).
    public static func router(for role: ServiceRole, config: ClusterConfig, host: ServiceHost) throws -> Router {
        try prepare(host, config: config)
        var router = Router()
        switch role {
        case .orchestrator:
            OrchestratorService(config: config, host: host).register(into: &router)
        case .verification:
            VerificationService().register(into: &router)
        case .fraud:
            let model = try FraudModel.load(modelPath: config.fraudModel)
            host.logger.info(
                "fraud model loaded", metadata: ["path": .string(config.fraudModel), "threshold": "\(model.threshold)"])
            FraudService(model: model, metrics: host.metrics).register(into: &router)
        case .suggestions:
            SuggestionsService().register(into: &router)
        case .queue:
            // Durable only with a data directory (`startQueue` and `serve queue` always give one).
            let queue = try QueueService.open(config: config, dataDirectory: config.queueStore.dataDir, host: host)
            queue.register(into: &router)
            host.addCollector { queue.waitingFamilies() }
        }
        return router
    }

    /// Starts `role` on its configured address (or `address`), answering cross-origin requests on the
    /// orchestrator (the course page is served from another origin).
    public static func start(
        _ role: ServiceRole, config: ClusterConfig, host: ServiceHost, address: ListenAddress? = nil
    ) throws -> RPCServer {
        let endpoint = config.endpoint(of: role)
        guard let listen = address ?? ListenAddress(endpoint.address) else {
            throw ConfigError(path: "-", reason: "\(role.rawValue): bad address \(endpoint.address)")
        }
        let router = try router(for: role, config: config, host: host)
        return try host.startServer(
            router: router, address: listen,
            threads: role == .orchestrator ? config.orchestratorThreads : config.serverThreads,
            allowCrossOrigin: role == .orchestrator, tls: role != .orchestrator,
            threadPerConnection: role == .queue || config.threadPerConnection)
    }
}

extension ServiceFactory {
    /// Starts the Order Queue with its write-ahead log in `dataDirectory` (when `queueStore.durable`); the caller
    /// closes the returned service after stopping the server (a clean stop records `queue.stopped`).
    public static func startQueue(
        config: ClusterConfig, host: ServiceHost, dataDirectory: String, address: ListenAddress? = nil
    ) throws -> (server: RPCServer, queue: QueueService) {
        guard let listen = address ?? ListenAddress(config.queue.address) else {
            throw ConfigError(path: "-", reason: "queue: bad address \(config.queue.address)")
        }
        try prepare(host, config: config)
        let queue = try QueueService.open(config: config, dataDirectory: dataDirectory, host: host)
        host.addCollector { queue.waitingFamilies() }
        var router = Router()
        queue.register(into: &router)
        do {
            // Callers block while their records are fsynced, and held lease requests (long polls) block for up to
            // a second: a thread per connection, so neither holds up another connection's requests.
            let server = try host.startServer(
                router: router, address: listen, threads: max(config.serverThreads, 16), threadPerConnection: true)
            return (server, queue)
        } catch {
            queue.close()
            throw error
        }
    }

    /// Starts executor `id`: its server (`bully`, `status`) and then its election.
    public static func startExecutor(
        id: Int, config: ClusterConfig, host: ServiceHost, tracesDirectory: String?, address: ListenAddress? = nil
    ) throws -> (server: RPCServer, node: ExecutorNode) {
        guard let replica = config.executors.replica(id) else {
            throw ConfigError(path: "-", reason: "no executor with id \(id) in the config")
        }
        guard let listen = address ?? ListenAddress(replica.address) else {
            throw ConfigError(path: "-", reason: "executor \(id): bad address \(replica.address)")
        }
        try prepare(host, config: config)
        let remembered = tracesDirectory.map { ExecutorMemory.highestEpoch(node: replica.node, directory: $0) } ?? .none
        let node = ExecutorNode(
            id: id, settings: config.executors, queue: config.queue, host: host, tracesDirectory: tracesDirectory,
            remembered: remembered)
        var router = Router()
        // Neither method waits for the node: a message is validated here and handed over; status is its last snapshot.
        router.register(ExecutorRPC.bully) { envelope, _ in
            try node.deliver(envelope.message, from: envelope.from)
            return NoPayload()
        }
        router.register(ExecutorRPC.status) { _, _ in node.currentStatus }
        // A leader holds each follower's watch on its server thread: a thread per connection.
        router.register(ExecutorRPC.watch) { request, context in
            try node.serveWatch(request, deadline: context.deadlineNanos)
        }
        let server = try host.startServer(router: router, address: listen, threads: 4, threadPerConnection: true)
        Task { await node.start() }
        return (server, node)
    }
}
