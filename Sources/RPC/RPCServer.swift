import CMicroHTTPD
import CShims
import Foundation
import Logging
import TraceFormat

/// The cluster's server: JSON-RPC methods at `POST /rpc` (or `/rpc/<method>`) and plain routes,
/// on libmicrohttpd (epoll, internal thread pool). Every request is traced by the server itself:
/// it merges the caller's clock, ticks, records receive and reply events, and sends its clock back.
public final class RPCServer: @unchecked Sendable {
    /// Listening and resource settings.
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port (see `port` after `start`).
        public var port: Int
        public var threads: Int
        public var maximumBodyBytes: Int
        public var connectionTimeoutSeconds: Int
        /// Answer plain routes with `Access-Control-Allow-Origin: *` and handle `OPTIONS` preflight.
        public var allowCrossOrigin: Bool

        public init(
            host: String = "127.0.0.1", port: Int = 0, threads: Int = 4, maximumBodyBytes: Int = 1 << 20,
            connectionTimeoutSeconds: Int = 60, allowCrossOrigin: Bool = false
        ) {
            self.host = host
            self.port = port
            self.threads = threads
            self.maximumBodyBytes = maximumBodyBytes
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.allowCrossOrigin = allowCrossOrigin
        }
    }

    /// Why the server did not start.
    public struct StartError: Error, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var reason: String
        public var description: String { "cannot listen on \(host):\(port): \(reason)" }
    }

    public let configuration: Configuration
    public let router: Router
    public let recorder: TraceRecorder
    public let logger: Logger
    let dispatcher: RequestDispatcher
    private let lock = NSLock()
    private var server: OpaquePointer?
    private var boundPort = 0
    private var retainedSelf: Unmanaged<RequestDispatcher>?

    public init(
        configuration: Configuration, router: Router, recorder: TraceRecorder, logger: Logger,
        metrics: RPCMetrics = .disabled
    ) {
        self.configuration = configuration
        self.router = router
        self.recorder = recorder
        self.logger = logger
        self.dispatcher = RequestDispatcher(
            router: router, recorder: recorder, logger: logger, allowCrossOrigin: configuration.allowCrossOrigin,
            metrics: metrics)
    }

    /// The port the server listens on (valid after `start`).
    public var port: Int { lock.withLock { boundPort } }

    /// Starts listening. Throws when the address cannot be bound.
    public func start() throws(StartError) {
        lock.lock()
        defer { lock.unlock() }
        guard server == nil else { return }
        let context = Unmanaged.passRetained(dispatcher)
        let started = bs_server_start(
            configuration.host, UInt16(clamping: configuration.port), UInt32(max(1, configuration.threads)),
            configuration.maximumBodyBytes, UInt32(configuration.connectionTimeoutSeconds), rpcServerAccessHandler,
            context.toOpaque())
        guard let started else {
            let reason = errno != 0 ? String(cString: strerror(errno)) : "libmicrohttpd refused to start"
            context.release()
            throw StartError(host: configuration.host, port: configuration.port, reason: reason)
        }
        server = started
        retainedSelf = context
        boundPort = Int(bs_server_port(started))
        logger.info(
            "listening", metadata: ["address": "\(configuration.host):\(boundPort)", "node": "\(recorder.node)"])
    }

    /// Stops accepting, waits for in-flight requests, and releases the server. Idempotent.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard let server else { return }
        bs_server_stop(server)
        self.server = nil
        retainedSelf?.release()
        retainedSelf = nil
        logger.info("stopped", metadata: ["node": "\(recorder.node)"])
    }

    deinit { stop() }
}

/// libmicrohttpd calls this for every complete request (see CShims); it captures nothing.
private func rpcServerAccessHandler(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?, method: UnsafePointer<CChar>?,
    url: UnsafePointer<CChar>?, body: UnsafePointer<CChar>?, length: Int, tooLarge: Int32
) -> MHD_Result {
    guard let cls, let connection, let method, let url else { return .NO }
    let dispatcher = Unmanaged<RequestDispatcher>.fromOpaque(cls).takeUnretainedValue()
    let payload = body.map { Data(bytes: $0, count: length) } ?? Data()
    let reply = dispatcher.handle(
        connection: IncomingConnection(raw: connection), method: String(cString: method),
        url: String(cString: url), body: payload, bodyTooLarge: tooLarge != 0)
    return reply.send(on: connection)
}
