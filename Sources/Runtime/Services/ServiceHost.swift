import Causality
import CoreMetrics
import Foundation
import Logging
import OTLP
import Prometheus
import RPC
import Synchronization
import TraceFormat

/// What every service process shares: its node id, trace recorder, logger, metrics and server.
/// The services only add their routes and methods.
public final class ServiceHost: Sendable {
    public let node: String
    public let recorder: TraceRecorder
    public let logger: Logger
    /// The node's metrics (no-op when metrics are off).
    public let metrics: RPCMetrics
    /// The node's Prometheus registry, served at `GET /metrics` (nil when metrics are off).
    public let registry: PrometheusCollectorRegistry?
    /// The `service` label of this node's metrics (`executor` for `executor-2`).
    public let service: String
    /// Families read at scrape time, added by the services (`addCollector`).
    private let collectors = Mutex<[@Sendable () -> [CollectedFamily]]>([])
    private let draining = Mutex(false)
    private let liveExport = Mutex<OTLPLiveExporter?>(nil)
    /// The admission policy of this node's servers and the credential of its clients (see `adopt`).
    private let admission: Mutex<AdmissionPolicy>

    /// A secret known only to this process: used when no cluster secret is configured, so that internal RPCs
    /// work between services of one process (in-process clusters) and every other caller is refused.
    public static let processCredential = ClusterCredential.generate()
    /// Connection limits and TLS of this node's server and clients (see `configureTransport`).
    private let transport = Mutex(SecuritySettings())

    /// - Parameters:
    ///   - tracesDirectory: the run directory for `<node>.jsonl.gz`; nil disables tracing (clocks still run).
    ///   - logFormat: how log lines look on stderr.
    ///   - metricsEnabled: false makes every metric a no-op (to measure what metrics cost).
    ///   - service: the service label of this node's metrics (default: `ServiceHost.service(ofNode:)`).
    public convenience init(
        node: String, tracesDirectory: String?, logFormat: TraceLogHandler.Format = .text,
        logLevel: Logger.Level = .info, metricsEnabled: Bool = true, service: String? = nil
    ) throws {
        let recorder =
            try tracesDirectory.map { try TraceRecorder.file(node: node, directory: $0) }
            ?? TraceRecorder(node: node, writer: nil)
        let logger = Logger(label: node) { label in
            TraceLogHandler(label: label, recorder: recorder, format: logFormat, level: logLevel)
        }
        self.init(
            node: node, recorder: recorder, logger: logger, metricsEnabled: metricsEnabled, service: service)
        runDirectory = tracesDirectory
    }

    /// The run directory this node traces into: its `cluster.secret` (written by `bookstore up`) is the
    /// credential of last resort, so that a service restarted into a run (`chaos restart`) joins it.
    private var runDirectory: String? {
        get { runDirectoryStorage.withLock { $0 } }
        set { runDirectoryStorage.withLock { $0 = newValue } }
    }
    private let runDirectoryStorage = Mutex<String?>(nil)

    /// A host with an explicit recorder and logger (tests, in-process clusters).
    public init(
        node: String, recorder: TraceRecorder, logger: Logger, metricsEnabled: Bool = true, service: String? = nil
    ) {
        self.node = node
        self.service = service ?? Self.service(ofNode: node)
        self.recorder = recorder
        self.logger = logger
        self.admission = Mutex(
            AdmissionPolicy(
                credential: Self.processCredential,
                clockLimits: WireClockLimits(maxEntries: SecuritySettings().maxClockEntries)))
        if metricsEnabled {
            let registry = PrometheusCollectorRegistry()
            let factory = BookstoreMetricsFactory(registry: registry, service: self.service, node: node)
            self.registry = registry
            self.metrics = RPCMetrics(factory: factory)
        } else {
            self.registry = nil
            self.metrics = .disabled
        }
    }

    /// Takes the cluster's security settings: the credential (configured, see `SecuritySettings.credential`, or
    /// this process's own secret when none is), the known node ids and the clock bounds. Call before clients
    /// are made and servers started (`ServiceFactory` does). Throws when a configured secret is unusable.
    public func adopt(_ config: ClusterConfig) throws(CredentialError) {
        let configured = try config.security.credential(runDirectory: runDirectory)
        if configured == nil {
            logger.warning(
                """
                no cluster secret configured (BOOKSTORE_CLUSTER_SECRET, BOOKSTORE_CLUSTER_SECRET_FILE or \
                security.secretFile): internal RPCs from other processes will be refused
                """)
        }
        let policy = AdmissionPolicy.cluster(
            credential: configured ?? Self.processCredential, knownNodes: config.knownNodes,
            maxClockEntries: config.security.maxClockEntries)
        admission.withLock { $0 = policy }
    }

    /// The credential this node's clients present.
    public var credential: ClusterCredential? { admission.withLock { $0.credential } }

    /// Starts a server for `router` (plus `GET /healthz` and `GET /metrics`) on `address`, with the connection
    /// limits of `configureTransport`, and its TLS unless `tls` is false (the public orchestrator); with
    /// `threadPerConnection`, a thread per connection instead of a pool of `threads` (handlers that block for long).
    public func startServer(
        router: Router, address: ListenAddress, threads: Int, allowCrossOrigin: Bool = false, tls: Bool = true,
        threadPerConnection: Bool = false
    ) throws -> RPCServer {
        let security = transport.withLock { $0 }
        var router = router
        router.admission = admission.withLock { $0 }
        let node = self.node
        router.route("GET", "/healthz") { _, _ in
            HTTPResponse.json(["status": "ok", "node": node])
        }
        router.route("GET", "/metrics") { [self] _, _ in
            HTTPResponse(
                status: registry == nil ? 404 : 200,
                headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: Data(scrape()))
        }
        let server = RPCServer(
            configuration: .init(
                host: address.host, port: address.port, threads: threads,
                connectionTimeoutSeconds: security.requestTimeoutSeconds, allowCrossOrigin: allowCrossOrigin,
                maximumConnections: security.maxConnections, connectionsPerIP: security.connectionsPerIP,
                tls: try security.tls.flatMap {
                    tls ? try TLSIdentity.load(certificateFile: $0.certificateFile, keyFile: $0.keyFile) : nil
                }, threadPerConnection: threadPerConnection),
            router: router, recorder: recorder, logger: logger, metrics: metrics)
        try server.start()
        return server
    }

    /// The Prometheus text exposition of this node's metrics: the registry's families, the trace writer's counters,
    /// the process's CPU, memory and file descriptors, and what the services' collectors read now.
    public func scrape() -> [UInt8] {
        guard let registry else { return Array("# metrics are disabled\n".utf8) }
        var output = registry.emitToBuffer()
        let families =
            Self.traceFamilies(recorder.statistics) + (ProcessStatistics.current()?.families ?? [])
            + collectors.withLock { $0 }.flatMap { $0() }
        let labels = [("service", service), ("node", node)]
        for family in families { output += Array(family.render(constantLabels: labels).utf8) }
        return output
    }

    /// Adds families to every scrape of this node (read when Prometheus scrapes, e.g. the oldest waiting order).
    public func addCollector(_ collect: @escaping @Sendable () -> [CollectedFamily]) {
        collectors.withLock { $0.append(collect) }
    }

    /// The service of a node id: the id without a trailing `-<number>` (`executor-2` → `executor`).
    public static func service(ofNode node: String) -> String {
        guard let dash = node.lastIndex(of: "-"), !node[node.index(after: dash)...].isEmpty,
            node[node.index(after: dash)...].allSatisfy(\.isNumber)
        else { return node }
        return String(node[..<dash])
    }

    /// The trace writer's counters as Prometheus counters.
    static func traceFamilies(_ statistics: TraceFileWriter.Statistics) -> [CollectedFamily] {
        [
            CollectedFamily(
                name: "bookstore_trace_events_written_total", kind: .counter,
                help: "Trace events this node wrote to its trace file.", value: Double(statistics.eventsWritten)),
            CollectedFamily(
                name: "bookstore_trace_written_bytes_total", kind: .counter,
                help: "Compressed bytes this node wrote to its trace file.",
                value: Double(statistics.compressedBytesWritten)),
            CollectedFamily(
                name: "bookstore_trace_events_dropped_total", kind: .counter,
                help: "Trace events dropped (the writer's queue was full or it was closing): the trace has gaps.",
                value: Double(statistics.eventsDropped)),
            CollectedFamily(
                name: "bookstore_trace_write_errors_total", kind: .counter,
                help: "Failed writes to this node's trace file.", value: Double(statistics.writeErrors)),
        ]
    }

    /// A client for another service, recording into this node's trace and metrics.
    /// Every internal client of a service is made here, so that cluster-wide client settings (such as the
    /// cluster credential) apply to all of them.
    public func client(
        for endpoint: ClusterConfig.Endpoint, deadline: Duration, connectTimeout: Duration = .milliseconds(500)
    ) -> RPCClient {
        let target = transport.withLock { $0.target(of: endpoint) }
        return RPCClient(
            peer: endpoint.id, baseURL: target.baseURL, recorder: recorder, logger: logger, defaultDeadline: deadline,
            connectTimeout: min(connectTimeout, deadline), metrics: metrics, credential: credential,
            caFile: target.caFile)
    }

    /// Sets the connection limits and TLS of the servers and clients made from now on (the cluster config's
    /// `security`). Without it, `SecuritySettings()`'s defaults apply (limits on, no TLS).
    public func configureTransport(_ security: SecuritySettings) { transport.withLock { $0 = security } }

    /// Starts a clean stop: services that take new work (the orchestrator's checkout) refuse it from now on
    /// with 503 and `Retry-After`, while requests in flight finish.
    public func beginDraining() { draining.withLock { $0 = true } }

    /// True once `beginDraining()` was called.
    public var isDraining: Bool { draining.withLock { $0 } }

    /// Flushes and closes the trace file, then sends the last spans of the live export and stops it.
    public func shutdown() {
        recorder.close()
        recorder.observe(nil)
        liveExport.withLock { $0 }?.stop()
    }

    /// The live OTLP export of this node's spans (nil when off).
    public var liveExporter: OTLPLiveExporter? { liveExport.withLock { $0 } }

    /// Starts the live OTLP export when the environment (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`) or `config.otlpEndpoint` names a collector; at most once per host. Throws
    /// when the named endpoint is not an http(s) URL.
    public func startLiveExport(
        config: ClusterConfig, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        guard let url = try OTLPEndpoint.resolve(environment: environment, configured: config.otlpEndpoint) else {
            return
        }
        var settings = OTLPLiveExporter.Settings(url: url)
        settings.addresses = config.allAdvertised
        let logger = self.logger
        let exporter = OTLPLiveExporter(settings: settings, metrics: metrics) { message in
            logger.warning("\(message)")
        }
        let started: Bool = liveExport.withLock { current in
            guard current == nil else { return false }
            current = exporter
            return true
        }
        guard started else { return }
        exporter.start()
        recorder.observe { exporter.observe($0) }
        logger.info("live OTLP export on", metadata: ["endpoint": .string(url)])
    }
}

/// How a client reaches an internal service: its base URL and the CA its certificate must chain to.
public struct InternalTarget: Sendable, Equatable {
    /// `http://host:port`, or `https://host:port` with TLS.
    public var baseURL: String
    /// The cluster CA (`security.tls.caFile`) the server is verified against; nil for plain HTTP.
    public var caFile: String?

    public init(baseURL: String, caFile: String?) {
        self.baseURL = baseURL
        self.caFile = caFile
    }
}

extension SecuritySettings {
    /// Where an internal service at `endpoint` answers: `https://<address>` verified against `tls.caFile` when
    /// `tls` is set, else `http://<address>`. Every internal client (services, supervisor, probes, drains) uses it;
    /// the public orchestrator is always plain HTTP (`endpoint.url`).
    public func target(of endpoint: ClusterConfig.Endpoint) -> InternalTarget {
        guard let tls else { return InternalTarget(baseURL: endpoint.url, caFile: nil) }
        return InternalTarget(baseURL: "https://\(endpoint.address)", caFile: tls.caFile)
    }
}
