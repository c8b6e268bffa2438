import CMicroHTTPD
import CShims
import Foundation
import Logging
import TraceFormat

/// The cluster's server: JSON-RPC methods at `POST /rpc` (or `/rpc/<method>`) and plain routes,
/// on libmicrohttpd (epoll, internal thread pool). Every request is traced by the server itself:
/// it merges the caller's clock, ticks, records receive and reply events, and sends its clock back.
///
/// `@unchecked Sendable` is sound: the mutable state (the C server handle, its port, the retained dispatcher) is
/// read and written only while holding `lock`; everything else is `let`.
public final class RPCServer: @unchecked Sendable {
    /// Listening and resource settings.
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port (see `port` after `start`).
        public var port: Int
        public var threads: Int
        public var maximumBodyBytes: Int
        /// A request's headers and body must arrive within this many seconds of its first byte (or of the
        /// previous reply on a kept-alive connection); slower connections are cut. 0: no bound.
        public var connectionTimeoutSeconds: Int
        /// Answer plain routes with `Access-Control-Allow-Origin: *` and handle `OPTIONS` preflight.
        public var allowCrossOrigin: Bool
        /// Connections held open at most; more are closed right after accept. 0: libmicrohttpd's default.
        public var maximumConnections: Int
        /// Connections one source address may hold; more are closed right after accept. 0: no limit.
        public var connectionsPerIP: Int
        /// Past this many open connections requests get 503 `overloaded` with `Retry-After` (0: never).
        /// Defaults to 7/8 of `maximumConnections` when that is set.
        public var overloadThreshold: Int?
        /// Per-connection memory for the request line and headers; a request over it gets 431.
        public var connectionMemoryBytes: Int
        /// 32 KiB. libmicrohttpd zeroes all of it after every request on a kept-alive connection (~1 % of the CPU of
        /// a loopback RPC benchmark under perf; ~49,000 instructions a request under valgrind). It is not smaller
        /// because a hostile request's metadata up to this size gets its JSON refusal from the dispatcher (a clock
        /// of 1,000 made-up entries is ~17 KB); past it libmicrohttpd answers 431 without a body.
        public static let defaultConnectionMemoryBytes = 32 * 1024
        /// Serve HTTPS with this identity (nil: plain HTTP).
        public var tls: TLSIdentity?
        /// One thread per connection instead of a pool of `threads` (each of which serves all the connections it
        /// accepted): for servers whose handlers may block for long (the queue's held lease requests).
        public var threadPerConnection: Bool

        public init(
            host: String = "127.0.0.1", port: Int = 0, threads: Int = 4, maximumBodyBytes: Int = 1 << 20,
            connectionTimeoutSeconds: Int = 60, allowCrossOrigin: Bool = false, maximumConnections: Int = 0,
            connectionsPerIP: Int = 0, overloadThreshold: Int? = nil,
            connectionMemoryBytes: Int = Self.defaultConnectionMemoryBytes,
            tls: TLSIdentity? = nil, threadPerConnection: Bool = false
        ) {
            self.host = host
            self.port = port
            self.threads = threads
            self.maximumBodyBytes = maximumBodyBytes
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.allowCrossOrigin = allowCrossOrigin
            self.maximumConnections = maximumConnections
            self.connectionsPerIP = connectionsPerIP
            self.overloadThreshold = overloadThreshold
            self.connectionMemoryBytes = connectionMemoryBytes
            self.tls = tls
            self.threadPerConnection = threadPerConnection
        }

        /// The connection count past which requests are answered 503.
        var effectiveOverloadThreshold: Int {
            overloadThreshold ?? (maximumConnections > 0 ? max(1, maximumConnections - maximumConnections / 8) : 0)
        }
    }

    /// Counters of a running server.
    public struct Statistics: Sendable, Equatable {
        /// Connections open now.
        public var activeConnections: Int
        /// Requests answered 503 because the overload threshold was passed.
        public var overloadReplies: Int
        /// Connections cut because a request did not arrive within `connectionTimeoutSeconds`.
        public var requestTimeouts: Int
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
        let openFiles = bs_raise_open_file_limit()
        if configuration.tls != nil && bs_server_tls_supported() == 0 {
            context.release()
            throw StartError(
                host: configuration.host, port: configuration.port,
                reason: "TLS is configured but this libmicrohttpd was built without TLS support")
        }
        errno = 0
        let started = Self.startDaemon(configuration, context: context.toOpaque())
        guard let started else {
            let reason = errno != 0 ? String(cString: strerror(errno)) : "libmicrohttpd refused to start"
            context.release()
            throw StartError(host: configuration.host, port: configuration.port, reason: reason)
        }
        if configuration.maximumConnections > 0, openFiles < UInt64(configuration.maximumConnections) + 64 {
            logger.warning(
                "open-file limit is below the connection limit",
                metadata: ["nofile": "\(openFiles)", "max_connections": "\(configuration.maximumConnections)"])
        }
        server = started
        retainedSelf = context
        boundPort = Int(bs_server_port(started))
        logger.info(
            "listening", metadata: ["address": "\(configuration.host):\(boundPort)", "node": "\(recorder.node)"])
    }

    /// The server's counters (zero before `start` and after `stop`).
    public var statistics: Statistics {
        lock.withLock {
            guard let server else { return Statistics(activeConnections: 0, overloadReplies: 0, requestTimeouts: 0) }
            let stats = bs_server_statistics(server)
            return Statistics(
                activeConnections: Int(clamping: stats.active_connections),
                overloadReplies: Int(clamping: stats.overload_replies),
                requestTimeouts: Int(clamping: stats.request_timeouts))
        }
    }

    private static func startDaemon(_ configuration: Configuration, context: UnsafeMutableRawPointer) -> OpaquePointer?
    {
        func count(_ value: Int) -> UInt32 { UInt32(clamping: max(0, value)) }
        return configuration.host.withCString { host in
            withOptionalCString(configuration.tls?.certificatePEM) { certificate in
                withOptionalCString(configuration.tls?.privateKeyPEM) { key in
                    var options = bs_server_options(
                        host: host, port: UInt16(clamping: configuration.port), threads: count(configuration.threads),
                        max_body: max(0, configuration.maximumBodyBytes),
                        request_timeout_seconds: count(configuration.connectionTimeoutSeconds),
                        connection_limit: count(configuration.maximumConnections),
                        per_ip_limit: count(configuration.connectionsPerIP),
                        soft_limit: count(configuration.effectiveOverloadThreshold),
                        connection_memory_limit: max(0, configuration.connectionMemoryBytes),
                        tls_cert_pem: certificate, tls_key_pem: key,
                        thread_per_connection: configuration.threadPerConnection ? 1 : 0)
                    return bs_server_start_with(&options, rpcServerAccessHandler, context)
                }
            }
        }
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

private func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}
