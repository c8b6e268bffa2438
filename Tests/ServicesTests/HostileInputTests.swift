import Cluster
import ClusterProtocol
import Foundation
import RPC
import Services
import Synchronization
import Testing
import TraceFormat

/// One request at a time as an attacker on loopback would send it, against the real cluster (every service its
/// own process): each gets its JSON error, no process exits, a normal checkout right after succeeds, and
/// `trace-analyzer check` on the run still passes.
@Suite("HostileInputTests", .serialized)
struct HostileInputTests {
    @Test func hostileClocksAreRefusedAndForgedMessageIDsIgnored() throws {
        try withCluster("metadata") { cluster in
            let orchestrator = cluster.config.orchestrator.url
            let maxClock = #"{"orchestrator":18446744073709551615}"#
            let inflated = "{" + (0..<1000).map { #""made-up-\#($0)":1"# }.joined(separator: ",") + "}"
            for (name, clock) in [("2^64-1 entry", maxClock), ("1,000 made-up entries", inflated)] {
                let response = try outsider(orchestrator).request(
                    "POST", "/checkout", body: Data(courseBody().utf8), headers: [(WireHeader.vectorClock, clock)])
                expectPlainError(response, status: 400, code: "invalid_request", name)
                // With the credential too: an internal RPC refuses the clock before it reaches the queue's clock.
                let guarded = try member(cluster.config.queue.url, cluster.credential).request(
                    "POST", "/rpc/inspect", body: Data(#"{"jsonrpc":"2.0","id":1,"params":{}}"#.utf8),
                    headers: [(WireHeader.vectorClock, clock)])
                expectRPCError(guarded, status: 400, code: -32600, "\(name) on queue.inspect")
            }
            // A forged message id and sender from outside: ignored, the checkout itself is served.
            let forged = try outsider(orchestrator).request(
                "POST", "/checkout", body: Data(courseBody().utf8),
                headers: [(WireHeader.messageID, "queue-1-1"), (WireHeader.sender, "queue")])
            #expect(forged.status == 200, "\(String(decoding: forged.body, as: UTF8.self))")
            #expect(forged.headers.allSatisfy { $0.0 != WireHeader.messageID })
            let metrics = try outsider(orchestrator).request("GET", "/metrics")
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains(#"bookstore_rpc_rejected_metadata_total{reason="clock_counter_out_of_range","#))
        } afterStop: { events in
            for (node, trace) in events {
                for event in trace {
                    #expect(
                        event.clock.entries.allSatisfy { $0.value < 1 << 53 && !$0.key.hasPrefix("made-up") },
                        "\(node) #\(event.sequence) carries a hostile clock entry")
                }
            }
            let receives = events["orchestrator", default: []].filter { $0.kind == .rpcReceive }
            #expect(!receives.contains { $0.payload(RPCReceive.self)?.msg == "queue-1-1" }, "a forged message id became a message")
        }
    }

    @Test func internalRPCsWithoutTheCredentialGet401AndLeaveNoMessage() throws {
        try withCluster("unauthenticated") { cluster in
            let config = cluster.config
            let executor = config.executors.replicas[0].endpoint.url
            let calls: [(String, String, String)] = [
                (config.queue.url, "inspect", "{}"),
                (config.queue.url, "enqueue", #"{"orderId":"forged","priority":0}"#),
                (config.queue.url, "lease", #"{"executor":9,"epoch":{"term":99,"leader":9}}"#),
                (config.queue.url, "ack", #"{"orderId":"x","executor":9,"epoch":{"term":99,"leader":9},"leaseId":1}"#),
                (executor, "bully", #"{"from":9,"message":{"coordinator":{"_0":{"term":99,"leader":9}}}}"#),
                (executor, "status", "{}"),
            ]
            for (url, method, params) in calls {
                let body = Data(#"{"jsonrpc":"2.0","id":3,"method":"\#(method)","params":\#(params)}"#.utf8)
                for path in ["/rpc/\(method)", "/rpc"] {
                    let response = try outsider(url).request("POST", path, body: body)
                    expectRPCError(response, status: 401, code: RPCErrorCode.unauthorized.rawValue, "\(path)")
                }
                let wrong = try outsider(url).request(
                    "POST", "/rpc/\(method)", body: body,
                    headers: [("Authorization", "Bearer not-the-cluster-secret-at-all")])
                expectRPCError(wrong, status: 401, code: RPCErrorCode.unauthorized.rawValue, "\(method) wrong secret")
            }
            // Counted: 4 queue methods, each refused 3 times.
            let metrics = String(
                decoding: try outsider(config.queue.url).request("GET", "/metrics").body, as: UTF8.self)
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("bookstore_rpc_unauthorized_total{") }
            #expect(
                line == #"bookstore_rpc_unauthorized_total{service="queue",node="queue"} 12"#,
                "\(line ?? "no bookstore_rpc_unauthorized_total")")
        } afterStop: { events in
            // The only enqueue, lease and ack messages the queue took are the cluster's own (the checkout's
            // enqueue, the leader's lease and ack): none from the attacker.
            let queueReceives = events["queue", default: []].filter {
                ["enqueue", "lease", "ack"].contains($0.payload(RPCReceive.self)?.method ?? "")
            }
            for receive in queueReceives {
                let peer = receive.payload(RPCReceive.self)?.peer ?? "none"
                #expect(["orchestrator", "executor-1", "executor-2", "executor-3"].contains(peer), "\(receive.handle)")
            }
            let bullies = events.values.joined().filter {
                $0.payload(RPCReceive.self)?.peer == "executor-9"
            }
            #expect(bullies.isEmpty)
        }
    }

    @Test func envelopesThatAreNotJSONRPC2GetTheirErrorAndBatchesAndNotificationsWork() throws {
        try withCluster("jsonrpc") { cluster in
            let queue = member(cluster.config.queue.url, cluster.credential)
            let noVersion = try queue.request("POST", "/rpc/inspect", body: Data(#"{"id":5,"params":{}}"#.utf8))
            expectRPCError(noVersion, status: 400, code: -32600, "missing jsonrpc")
            #expect(jsonObject(noVersion.body)?["id"] as? Int == 5, "the error carries the request id")
            let batch = try queue.request(
                "POST", "/rpc",
                body: Data(
                    (#"[{"jsonrpc":"2.0","id":1,"method":"inspect","params":{}},"#
                        + #"{"jsonrpc":"2.0","method":"inspect","params":{}},{"jsonrpc":"2.0","id":2,"method":"nope"}]"#)
                        .utf8))
            #expect(batch.status == 200)
            let replies = (try? JSONSerialization.jsonObject(with: batch.body)) as? [[String: Any]]
            #expect(replies?.count == 2 && replies?.first?["result"] != nil && replies?.last?["error"] != nil)
            let empty = try queue.request("POST", "/rpc", body: Data("[]".utf8))
            expectRPCError(empty, status: 400, code: -32600, "empty batch")
            let notification = try queue.request(
                "POST", "/rpc", body: Data(#"{"jsonrpc":"2.0","method":"inspect","params":{}}"#.utf8))
            #expect(notification.status == 204 && notification.body.isEmpty)
        } afterStop: { _ in
        }
    }

    /// Slow clients (headers a byte a second) from 127.0.0.1 hold at most the per-IP limit of the orchestrator's
    /// connections; checkouts from 127.0.0.2 are served meanwhile. `BOOKSTORE_SLOW_CLIENTS` sets the count.
    @Test func slowClientsFromOneAddressDoNotStopCheckoutsFromAnother() throws {
        try withCluster("slow") { cluster in
            let port = try #require(Int(cluster.config.orchestrator.address.split(separator: ":").last ?? ""))
            let dribbler = SlowClientTests.Dribbler(
                SlowClientTests.openSlowClients(SlowClientTests.slowClients, port: port))
            dribbler.start()
            defer { dribbler.stop() }
            Thread.sleep(forTimeInterval: 1)
            let body = courseBody().replacingOccurrences(of: "\n", with: "")
            for _ in 0..<5 {
                let reply = RawSocket.checkout(body, port: port, from: "127.0.0.2") ?? "no reply"
                #expect(reply.hasPrefix("HTTP/1.1 200") && reply.contains("\"Order Approved\""), "\(reply.prefix(300))")
            }
        } afterStop: { _ in
        }
    }

    /// A number that is valid JSON but out of range is named as such, with a JSON error, and crashes nothing.
    @Test func outOfRangeNumbersAreNamedAsSuch() throws {
        try withCluster("numbers") { cluster in
            let body = courseBody().replacingOccurrences(of: #""quantity":2"#, with: #""quantity":1e308"#)
            let response = try outsider(cluster.config.orchestrator.url).request(
                "POST", "/checkout", body: Data(body.utf8))
            expectPlainError(response, status: 400, code: "invalid_params", "quantity 1e308")
            let message = (jsonObject(response.body)?["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("out of range"), "\(message)")
        } afterStop: { _ in
        }
    }

    /// The queue validates epochs and executor ids (work of the queue's own change): forged values from a caller
    /// that holds the credential must get a JSON error and crash nothing.
    @Test func forgedEpochsFromACredentialedCallerAreRefused() throws {
        try withCluster("epochs") { cluster in
            let queue = member(cluster.config.queue.url, cluster.credential)
            let lease = try queue.request(
                "POST", "/rpc/lease",
                body: Data(
                    (#"{"jsonrpc":"2.0","id":1,"params":{"executor":9,"#
                        + #""epoch":{"term":18446744073709551615,"leader":9}}}"#).utf8))
            expectRPCFailure(lease, "lease with term 2^64-1")
            let ack = try queue.request(
                "POST", "/rpc/ack",
                body: Data(
                    (#"{"jsonrpc":"2.0","id":2,"params":{"orderId":"x","executor":3,"#
                        + #""epoch":{"term":9223372036854775808,"leader":3},"leaseId":1}}"#).utf8))
            expectRPCFailure(ack, "ack with term 2^63")
            Thread.sleep(forTimeInterval: 0.5)  // executors poll the queue: give a poisoned epoch time to hurt
        } afterStop: { _ in
        }
    }
}

// MARK: Harness

/// Starts a cluster, runs `attack`, checks that no process exited and that a normal checkout succeeds, stops,
/// gives the run's events to `afterStop`, and runs `trace-analyzer check` on the run.
private func withCluster(
    _ name: String, _ attack: (LocalCluster) throws -> Void, afterStop: ([String: [TraceEvent]]) throws -> Void
) throws {
    let root = temporaryPath("hostile-\(name)")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let cluster = try LocalCluster.launch(
        executable: try locateBookstore(), root: root, runID: name, logger: quietLogger
    ) { $0.fraudModel = fraudModelPath }
    let exits = ExitLog()
    cluster.supervisor.onUnexpectedExit = { node, status in exits.add("\(node) exited with status \(status)") }
    defer { cluster.supervisor.stop() }
    try attack(cluster)

    let checkout = try outsider(cluster.config.orchestrator.url).request(
        "POST", "/checkout", body: Data(courseBody().utf8))
    #expect(checkout.status == 200, "\(String(decoding: checkout.body, as: UTF8.self))")
    #expect(jsonObject(checkout.body)?["status"] as? String == "Order Approved")
    #expect(exits.entries.isEmpty, "\(exits.entries)")
    #expect(cluster.supervisor.children.count == 8, "\(cluster.supervisor.children.map(\.name))")
    // Stop only once the approved order is committed (a stop in the middle of an ack is another matter).
    let drained = QueueDrain.wait(config: cluster.config, timeout: .seconds(10))
    #expect(drained?.waiting.isEmpty == true && drained?.leases.isEmpty == true, "the queue did not drain")
    // A clean stop, in the supervisor's order (intake first, executors give back or finish their leases).
    cluster.supervisor.stop()
    try afterStop(try readRun(cluster.run.path))

    let analyzer = Process()
    analyzer.executableURL = URL(fileURLWithPath: try locateBookstore()).deletingLastPathComponent()
        .appendingPathComponent("trace-analyzer")
    analyzer.arguments = ["check", cluster.run.path]
    let output = Pipe()
    analyzer.standardOutput = output
    analyzer.standardError = output
    try analyzer.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    analyzer.waitUntilExit()
    #expect(analyzer.terminationStatus == 0, "trace-analyzer check:\n\(text.suffix(3000))")
}

/// A client outside the cluster: no credential and no trace metadata.
private func outsider(_ url: String) -> RPCClient {
    RPCClient(
        peer: "target", baseURL: url, recorder: TraceRecorder(node: "attacker", writer: nil), logger: quietLogger,
        defaultDeadline: .seconds(5), propagatesContext: false)
}

/// A client holding the cluster credential but sending no trace metadata of its own.
private func member(_ url: String, _ credential: ClusterCredential) -> RPCClient {
    RPCClient(
        peer: "target", baseURL: url, recorder: TraceRecorder(node: "member", writer: nil), logger: quietLogger,
        defaultDeadline: .seconds(5), propagatesContext: false, credential: credential)
}

private func expectPlainError(
    _ response: HTTPResponse, status: Int, code: String, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(label)", sourceLocation: sourceLocation)
    let error = jsonObject(response.body)?["error"] as? [String: Any]
    #expect(
        error?["code"] as? String == code, "\(label): \(String(decoding: response.body.prefix(300), as: UTF8.self))",
        sourceLocation: sourceLocation)
}

private func expectRPCError(
    _ response: HTTPResponse, status: Int, code: Int, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(label)", sourceLocation: sourceLocation)
    #expect(
        response.headers.contains { $0.0 == "content-type" && $0.1.hasPrefix("application/json") }, "\(label)",
        sourceLocation: sourceLocation)
    let error = jsonObject(response.body)?["error"] as? [String: Any]
    #expect(
        error?["code"] as? Int == code, "\(label): \(String(decoding: response.body.prefix(300), as: UTF8.self))",
        sourceLocation: sourceLocation)
}

/// Any JSON-RPC error with a 4xx status (the queue decides which code).
private func expectRPCFailure(
    _ response: HTTPResponse, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect((400..<500).contains(response.status), "\(label): HTTP \(response.status)", sourceLocation: sourceLocation)
    #expect(
        (jsonObject(response.body)?["error"] as? [String: Any])?["code"] is Int,
        "\(label): \(String(decoding: response.body.prefix(300), as: UTF8.self))", sourceLocation: sourceLocation)
}

private final class ExitLog: Sendable {
    private let items = Mutex<[String]>([])
    func add(_ entry: String) { items.withLock { $0.append(entry) } }
    var entries: [String] { items.withLock { $0 } }
}
