import ArgumentParser
import ClusterProtocol
import Foundation
import RPC
import Services
import TraceFormat

extension TraceLogHandler.Format: ExpressibleByArgument {}

/// `bookstore serve SERVICE`: runs one service until SIGINT/SIGTERM.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run one service of the cluster until SIGINT or SIGTERM.")

    @Argument(help: "The service: \((ServiceRole.allCases.map(\.rawValue) + ["executor"]).joined(separator: "|")).")
    var service: String

    @Option(help: "Executor id (for `executor`; also from BOOKSTORE_EXECUTOR_ID or BOOKSTORE_NODE).")
    var id: Int?

    @Option(help: "Listen on HOST:PORT or :PORT (default: BOOKSTORE_LISTEN, else the config's listen/address).")
    var listen: String?

    @Option(help: "Cluster config file (JSON; default: BOOKSTORE_CONFIG); relative paths in it are from its folder.")
    var config: String?

    @Option(
        name: [.customLong("run-dir"), .customLong("traces")],
        help: "Run directory for this node's trace file (default: <BOOKSTORE_TRACES_DIR or tracesRoot>/<run id>).")
    var traces: String?

    @Option(help: "The queue's data directory (default: BOOKSTORE_DATA_DIR, else queueStore.dataDir, else data/queue).")
    var data: String?

    @Option(help: "Log format on stderr: text or json (one JSON object a line, sorted keys).")
    var logFormat: TraceLogHandler.Format = .text

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error or critical.")
    var logLevel: LogLevelOption = .info

    func validate() throws {
        guard service == "executor" || ServiceRole(rawValue: service) != nil else {
            throw ValidationError("unknown service \(service)")
        }
        if let listen, AddressText.problem(listen, listen: true) != nil {
            throw ValidationError("--listen wants HOST:PORT or :PORT, got \(listen)")
        }
    }

    /// The settings of this node, or exit status 1 with the config error on stderr.
    private func settings() throws -> ServeSettings {
        let environment = ProcessInfo.processInfo.environment
        do {
            let path = try ServeSettings.configPath(flag: config, environment: environment)
            let cluster = try path.map(ClusterConfig.load(path:)) ?? ClusterConfig()
            return try ServeSettings.resolve(
                flags: .init(service: service, executorID: id, listen: listen, traces: traces, data: data),
                config: cluster, environment: environment)
        } catch let error as ConfigError {
            CLIOutput.error("error: \(error)")
            throw ExitCode(1)
        }
    }

    func run() throws {
        TerminationSignals.block()
        let settings = try settings()
        let cluster = settings.config
        let address = settings.listen
        let directory = settings.tracesDirectory
        let node = settings.node
        Self.configureTraces(cluster: cluster, executor: settings.role == nil)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // BOOKSTORE_TRACING=off: no trace file (only to measure what tracing costs, `bookstore-bench checkout`).
        let tracing = ProcessInfo.processInfo.environment["BOOKSTORE_TRACING"] != "off"
        let host = try ServiceHost(
            node: node, tracesDirectory: tracing ? directory : nil, logFormat: logFormat, logLevel: logLevel.level,
            metricsEnabled: cluster.metrics, service: settings.role?.rawValue ?? "executor")
        let server: RPCServer
        var executor: ExecutorNode?
        var queue: QueueService?
        do {
            if settings.role == .queue {
                let started = try ServiceFactory.startQueue(
                    config: cluster, host: host, dataDirectory: settings.dataDirectory ?? "data/queue",
                    address: address)
                server = started.server
                queue = started.queue
            } else if let role = settings.role {
                server = try ServiceFactory.start(role, config: cluster, host: host, address: address)
            } else {
                let started = try ServiceFactory.startExecutor(
                    id: settings.executorID!, config: cluster, host: host, tracesDirectory: directory,
                    address: address)
                server = started.server
                executor = started.node
            }
        } catch {
            host.logger.critical("cannot start \(node): \(error)")
            host.shutdown()
            throw ExitCode(1)
        }
        host.logger.info(
            "serving",
            metadata: [
                "listen": "\(address)", "advertise": "\(cluster.allAdvertised[node] ?? "-")",
                "run": "\(settings.runID)", "traces": "\(directory)",
            ])
        PIDFile.write(node: node, directory: directory)
        let signal = TerminationSignals.wait()
        host.logger.info("stopping on signal \(signal)")
        host.recorder.record(NodeStopping(signal: Int32(signal)))
        if ServiceRole(rawValue: service) == .orchestrator {
            // Intake first: checkout answers 503 + Retry-After while the requests in flight finish.
            host.beginDraining()
            Thread.sleep(forTimeInterval: Double(Self.drainMilliseconds) / 1000)
        }
        if let executor {
            let done = DispatchSemaphore(value: 0)
            Task {
                await executor.stop()
                done.signal()
            }
            done.wait()
            // Calls already under way when the work stopped (an ack, a lease) finish into the trace, not after it.
            Thread.sleep(forTimeInterval: Double(Self.settleMilliseconds) / 1000)
        }
        queue?.beginStop()  // held lease requests are answered now, not when their wait ends
        server.stop()
        queue?.close()
        host.shutdown()
        PIDFile.remove(node: node, directory: directory)
    }
}

extension ServeCommand {
    /// How long the orchestrator answers 503 before it stops listening (its in-flight requests then finish
    /// inside `server.stop()`).
    static let drainMilliseconds = 300
    /// How long a stopping executor lets its in-flight calls finish before its trace writer closes.
    static let settleMilliseconds = 150

    /// Trace rotation, the clock bounds a restored clock must meet, and (for executors) the epoch the state file
    /// remembers.
    static func configureTraces(cluster: ClusterConfig, executor: Bool) {
        var settings = TraceFileSettings.current
        settings.segmentBytes = cluster.supervision.traceSegmentBytes
        var known = Set(ServiceRole.allCases.map { cluster.endpoint(of: $0).id })
        known.formUnion(cluster.executors.replicas.map(\.node))
        known.formUnion(cluster.security.externalNodes)
        known.insert("supervisor")
        settings.knownNodes = known
        settings.watches = executor ? [ExecutorMemory.epochWatch] : []
        TraceFileSettings.current = settings
    }
}

/// `<run>/<node>.pid`: lets tools find a service's process (chaos, a supervisor cleaning up restarts).
enum PIDFile {
    static func path(node: String, directory: String) -> String { "\(directory)/\(node).pid" }

    static func write(node: String, directory: String) {
        try? "\(getpid())\n".write(toFile: path(node: node, directory: directory), atomically: true, encoding: .utf8)
    }

    static func remove(node: String, directory: String) {
        try? FileManager.default.removeItem(atPath: path(node: node, directory: directory))
    }
}
