import Foundation
import Logging
import RPC
import TraceFormat

/// What every service process shares: its node id, trace recorder, logger and server.
/// The services only add their routes and methods.
public final class ServiceHost: Sendable {
    public let node: String
    public let recorder: TraceRecorder
    public let logger: Logger

    /// - Parameters:
    ///   - tracesDirectory: the run directory for `<node>.jsonl.gz`; nil disables tracing (clocks still run).
    ///   - logFormat: how log lines look on stderr.
    public init(
        node: String, tracesDirectory: String?, logFormat: TraceLogHandler.Format = .text,
        logLevel: Logger.Level = .info
    ) throws {
        self.node = node
        let recorder = try tracesDirectory.map { try TraceRecorder.file(node: node, directory: $0) }
            ?? TraceRecorder(node: node, writer: nil)
        self.recorder = recorder
        self.logger = Logger(label: node) { label in
            TraceLogHandler(label: label, recorder: recorder, format: logFormat, level: logLevel)
        }
    }

    /// A host with an explicit recorder and logger (tests).
    public init(node: String, recorder: TraceRecorder, logger: Logger) {
        self.node = node
        self.recorder = recorder
        self.logger = logger
    }

    /// Starts a server for `router` (plus `GET /healthz`) on `address`.
    public func startServer(
        router: Router, address: ListenAddress, threads: Int, allowCrossOrigin: Bool = false
    ) throws -> RPCServer {
        var router = router
        let node = self.node
        router.route("GET", "/healthz") { _, _ in
            HTTPResponse.json(["status": "ok", "node": node])
        }
        let server = RPCServer(
            configuration: .init(
                host: address.host, port: address.port, threads: threads, allowCrossOrigin: allowCrossOrigin),
            router: router, recorder: recorder, logger: logger)
        try server.start()
        return server
    }

    /// A client for another service, recording into this node's trace.
    public func client(for endpoint: ClusterConfig.Endpoint, deadline: Duration) -> RPCClient {
        RPCClient(
            peer: endpoint.id, baseURL: endpoint.url, recorder: recorder, logger: logger, defaultDeadline: deadline)
    }

    /// Flushes and closes the trace file.
    public func shutdown() {
        recorder.close()
    }
}
