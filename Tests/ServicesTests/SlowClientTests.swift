import Cluster
import ClusterProtocol
import Foundation
import Logging
import RPC
import Services
import Testing
import TraceFormat

private struct Operands: Codable, Sendable {
    var a: Int
    var b: Int
}

/// The test's own method (not one of the cluster's).
private let addMethod = RPCMethod<Operands, [String: Int]>("add")

/// Connection limits: slow or idle clients from one address cannot take a server from another.
/// `BOOKSTORE_SLOW_CLIENTS` sets how many slow clients the first test opens (default 300; the issue's case is 2000).
@Suite("Connection limits", .serialized)
struct SlowClientTests {
    static let logger = quietLogger
    static var slowClients: Int {
        ProcessInfo.processInfo.environment["BOOKSTORE_SLOW_CLIENTS"].flatMap { Int($0) }.map { max(1, $0) } ?? 300
    }

    /// Opens `count` connections from 127.0.0.1 that each send the start of a request's headers, then (with the
    /// dribbler) one more byte a second.
    static func openSlowClients(_ count: Int, port: Int) -> [RawSocket] {
        var sockets: [RawSocket] = []
        for _ in 0..<count {
            guard let socket = RawSocket(from: "127.0.0.1", toPort: port) else { continue }
            socket.send("POST /checkout HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
            sockets.append(socket)
        }
        return sockets
    }

    static func server(_ configuration: RPCServer.Configuration) throws -> RPCServer {
        var router = Router()
        router.route("GET", "/ping") { _, _ in HTTPResponse.json(["pong": true]) }
        router.register(addMethod) { params, _ in ["sum": params.a &+ params.b] }
        let server = RPCServer(
            configuration: configuration, router: router, recorder: TraceRecorder(node: "limits", writer: nil),
            logger: logger)
        try server.start()
        return server
    }

    /// Sends one more header byte on every open socket, once a second, until stopped.
    /// `@unchecked Sendable` is sound: `sockets` and `running` are touched only under `lock`, and `thread` only
    /// by the test's thread (set in `start`).
    final class Dribbler: @unchecked Sendable {
        private let lock = NSLock()
        private var sockets: [RawSocket]
        private var running = true
        private var thread: Thread?

        init(_ sockets: [RawSocket]) { self.sockets = sockets }

        func start() {
            let thread = Thread { [self] in
                while lock.withLock({ running }) {
                    lock.withLock { for socket in sockets { _ = socket.send("a") } }
                    Thread.sleep(forTimeInterval: 1)
                }
            }
            self.thread = thread
            thread.start()
        }

        func stop() {
            lock.withLock {
                running = false
                for socket in sockets { socket.closeNow() }
                sockets.removeAll()
            }
        }
    }

    @Test("slow clients from 127.0.0.1 hold at most the per-IP limit; 127.0.0.2 is served promptly")
    func slowClientsFromOneAddressDoNotStopAnother() throws {
        let count = Self.slowClients
        let server = try Self.server(
            .init(
                threads: 2, connectionTimeoutSeconds: 60, maximumConnections: 512, connectionsPerIP: 64))
        defer { server.stop() }
        let started = Date()
        let sockets = Self.openSlowClients(count, port: server.port)
        let connectSeconds = Date().timeIntervalSince(started)
        let dribbler = Dribbler(sockets)
        dribbler.start()
        defer { dribbler.stop() }
        Thread.sleep(forTimeInterval: 2)

        let held = server.statistics.activeConnections
        #expect(held <= 64, "the server holds \(held) connections from one address")
        #expect(held >= 32, "the slow clients should hold their address's connections (\(held))")
        // The address at its limit is refused...
        #expect(RawSocket.get("/ping", port: server.port, from: "127.0.0.1") == nil)
        // ...while another address is served, quickly, every time.
        var slowest = 0.0
        for _ in 0..<20 {
            let before = Date()
            let reply = RawSocket.get("/ping", port: server.port, from: "127.0.0.2")
            slowest = max(slowest, Date().timeIntervalSince(before))
            #expect(reply?.hasPrefix("HTTP/1.1 200") == true, "reply: \(reply ?? "none")")
        }
        #expect(slowest < 1.0, "slowest request from 127.0.0.2 took \(slowest) s")
        print(
            "slow clients: \(count) opened in \(String(format: "%.2f", connectSeconds)) s, server held \(held),"
                + " slowest of 20 requests from 127.0.0.2: \(String(format: "%.1f", slowest * 1000)) ms")
    }

    @Test("slow clients on the orchestrator from 127.0.0.1 do not stop checkouts from 127.0.0.2")
    func slowClientsDoNotStopCheckouts() throws {
        let count = Self.slowClients
        let cluster = try InProcessCluster(tracesDirectory: nil) { $0.fraudModel = fraudModelPath }
        defer { cluster.stop() }
        let port = try #require(Int(cluster.orchestratorURL.split(separator: ":").last ?? ""))
        let dribbler = Dribbler(Self.openSlowClients(count, port: port))
        dribbler.start()
        defer { dribbler.stop() }
        Thread.sleep(forTimeInterval: 2)

        let body = courseBody().replacingOccurrences(of: "\n", with: "")
        var slowest = 0.0
        for _ in 0..<10 {
            let before = Date()
            let reply = RawSocket.checkout(body, port: port, from: "127.0.0.2") ?? "no reply"
            slowest = max(slowest, Date().timeIntervalSince(before))
            #expect(
                reply.hasPrefix("HTTP/1.1 200") && reply.contains("\"Order Approved\""), "reply: \(reply.prefix(300))")
        }
        #expect(slowest < 2.0, "slowest checkout from 127.0.0.2 took \(slowest) s")
        print(
            "slow clients on the orchestrator: \(count); slowest of 10 checkouts from 127.0.0.2:"
                + " \(String(format: "%.1f", slowest * 1000)) ms")
    }

    @Test("a request that does not arrive within the timeout is cut, even when bytes keep coming")
    func requestThatDoesNotArriveInTimeIsCut() throws {
        let server = try Self.server(.init(threads: 1, connectionTimeoutSeconds: 2))
        defer { server.stop() }
        let socket = try #require(RawSocket(from: "127.0.0.1", toPort: server.port))
        defer { socket.closeNow() }
        socket.send("GET /ping HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
        let started = Date()
        var cut = false
        // One byte every half second: never idle, so only a whole-request deadline can end it.
        while !cut && Date().timeIntervalSince(started) < 6 {
            socket.send("a")
            cut = socket.closedByPeer(within: 0.5)
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(cut, "the connection was still open after \(elapsed) s")
        #expect(elapsed >= 1.5 && elapsed < 4, "cut after \(elapsed) s with a 2 s timeout")
        #expect(server.statistics.requestTimeouts == 1)
        // A prompt request on a new connection is still served.
        #expect(RawSocket.get("/ping", port: server.port, from: "127.0.0.1")?.hasPrefix("HTTP/1.1 200") == true)
    }

    @Test("a kept-alive connection cut after the timeout is replaced by the client's next call")
    func idleKeepAliveConnectionIsReplaced() throws {
        let server = try Self.server(.init(threads: 1, connectionTimeoutSeconds: 1))
        defer { server.stop() }
        let client = RPCClient(
            peer: "limits", baseURL: "http://127.0.0.1:\(server.port)",
            recorder: TraceRecorder(node: "caller", writer: nil), logger: Self.logger)
        let first = try client.call(addMethod, Operands(a: 1, b: 2))
        #expect(first["sum"] == 3)
        Thread.sleep(forTimeInterval: 1.8)
        // Cut by libmicrohttpd's inactivity timeout or the request deadline, whichever looks first.
        #expect(server.statistics.activeConnections == 0, "the idle connection should have been closed")
        let second = try client.call(addMethod, Operands(a: 2, b: 2))
        #expect(second["sum"] == 4)
    }

    @Test("past the overload threshold a request is answered 503 overloaded with Retry-After")
    func overThresholdAnswers503() throws {
        let server = try Self.server(.init(threads: 1, connectionTimeoutSeconds: 30, overloadThreshold: 4))
        defer { server.stop() }
        let idle = (0..<4).compactMap { _ in RawSocket(from: "127.0.0.1", toPort: server.port) }
        #expect(idle.count == 4)
        Thread.sleep(forTimeInterval: 0.2)
        let overloaded = try #require(RawSocket.get("/ping", port: server.port, from: "127.0.0.2"))
        #expect(overloaded.hasPrefix("HTTP/1.1 503"))
        #expect(overloaded.lowercased().contains("retry-after: 1"))
        #expect(overloaded.contains("\"code\":\"overloaded\""))
        let rpc = RawSocket(from: "127.0.0.2", toPort: server.port)
        let body = #"{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}}"#
        rpc?.send("POST /rpc/add HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let rpcReply = rpc?.receiveAll() ?? ""
        #expect(rpcReply.hasPrefix("HTTP/1.1 503") && rpcReply.contains("-32005"), "reply: \(rpcReply)")
        rpc?.closeNow()
        #expect(server.statistics.overloadReplies == 2)

        for socket in idle { socket.closeNow() }
        let deadline = Date().addingTimeInterval(3)
        while server.statistics.activeConnections > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(RawSocket.get("/ping", port: server.port, from: "127.0.0.2")?.hasPrefix("HTTP/1.1 200") == true)
    }
}
