import Foundation
import Logging
import Testing
import TraceFormat

@testable import RPC

struct AddParams: Codable, Sendable {
    var a: Int
    var b: Int
}

struct Sum: Codable, Sendable, Equatable {
    var sum: Int
}

struct SleepParams: Codable, Sendable {
    var milliseconds: Int
}

/// A server and a client on loopback, with trace files in a fresh temporary directory.
final class TestPair: Sendable {
    let directory: String
    let serverRecorder: TraceRecorder
    let clientRecorder: TraceRecorder
    let server: RPCServer
    let client: RPCClient

    init(tracing: Bool = true, maximumBodyBytes: Int = 1 << 20, configure: (inout Router) -> Void = { _ in }) throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("rpc-tests-\(UUID().uuidString)")
            .path
        serverRecorder =
            tracing
            ? try TraceRecorder.file(node: "beta", directory: directory)
            : TraceRecorder(node: "beta", writer: nil)
        clientRecorder =
            tracing
            ? try TraceRecorder.file(node: "alpha", directory: directory)
            : TraceRecorder(node: "alpha", writer: nil)
        var router = Router()
        router.register("add", AddParams.self) { params, _ in Sum(sum: params.a + params.b) }
        router.register("divide", AddParams.self) { params, _ -> Sum in
            guard params.b != 0 else { throw RPCError.application("division_by_zero", "cannot divide by zero") }
            return Sum(sum: params.a / params.b)
        }
        router.register("sleep", SleepParams.self) { params, _ -> Empty in
            usleep(UInt32(params.milliseconds) * 1000)
            return Empty()
        }
        router.register("crash", Empty.self) { _, _ -> Empty in
            throw CocoaError(.fileReadCorruptFile)
        }
        router.route("POST", "/echo") { request, _ in
            HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: request.body)
        }
        configure(&router)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        server = RPCServer(
            configuration: .init(port: 0, threads: 4, maximumBodyBytes: maximumBodyBytes), router: router,
            recorder: serverRecorder, logger: logger)
        try server.start()
        client = RPCClient(
            peer: "beta", baseURL: "http://127.0.0.1:\(server.port)", recorder: clientRecorder, logger: logger,
            defaultDeadline: .seconds(2))
    }

    /// Stops the server and closes both trace files.
    func stop() {
        server.stop()
        serverRecorder.close()
        clientRecorder.close()
    }

    func events(of node: String) throws -> [TraceEvent] {
        var events: [TraceEvent] = []
        let report = try TraceFileReader().read(path: TraceRecorder.path(node: node, directory: directory)) {
            events.append($0)
        }
        precondition(report.isClean, "trace file damaged: \(report.problems)")
        return events
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A loopback port with nothing listening on it.
func closedPort() -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(descriptor, $0, length) }
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(descriptor, $0, &length) }
    }
    close(descriptor)
    return Int(UInt16(bigEndian: address.sin_port))
}

/// One request with exactly `headers` (no metadata of a client), as an attacker would send it.
func rawRequest(
    port: Int, _ path: String, method: String = "POST", headers: [(String, String)], body: String
) throws -> HTTPResponse {
    let result = CurlConnection().perform(
        method: method, url: "http://127.0.0.1:\(port)\(path)", headers: headers, body: Data(body.utf8),
        timeoutMilliseconds: 5000, connectTimeoutMilliseconds: 1000)
    switch result {
    case .success(let exchange):
        return HTTPResponse(
            status: exchange.status, headers: exchange.headers.map { ($0.key, $0.value) }, body: exchange.body)
    case .failure(let error):
        throw RPCCallError(kind: .unavailable(error.message), peer: "raw", method: path)
    }
}

/// Checks that every reply receive of `client` (node `clientNode`) is the event before it merged with the clock of its
/// server's reply send (found in `replies` by message id): the client-side rule of docs/trace-format.md §3.
func expectReplyReceivesMerge(
    _ client: [TraceEvent], clientNode: String, replies: [String: TraceEvent],
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    for (index, received) in client.enumerated() where received.kind == .rpcReplyReceive {
        let msg = try #require(received.payload(RPCReplyReceive.self)?.msg, sourceLocation: sourceLocation)
        let reply = try #require(replies[msg], sourceLocation: sourceLocation)
        var expected = client[index - 1].clock
        expected.receive(reply.clock, at: clientNode)
        #expect(received.clock == expected, "reply receive \(received.handle)", sourceLocation: sourceLocation)
    }
}
