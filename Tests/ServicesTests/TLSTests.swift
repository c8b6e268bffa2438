import Cluster
import ClusterProtocol
import Foundation
import Logging
import RPC
import Services
import Testing
import TraceFormat
import TestTimeLimits

private struct Operands: Codable, Sendable {
    var a: Int
    var b: Int
}

private struct Total: Codable, Sendable, Equatable {
    var sum: Int
}

/// The test's own method (not one of the cluster's): TLS is checked on the smallest exchange.
private let addMethod = RPCMethod<Operands, Total>("add")

/// HTTPS between RPCServer (libmicrohttpd + GnuTLS) and RPCClient (libcurl), with a throwaway CA made by
/// `openssl` for the test.
@Suite("TLS")
struct TLSTests {
    /// A CA and a server certificate for 127.0.0.1 / localhost, signed by it, in a temporary directory.
    struct Certificates {
        var directory: String
        var caFile: String { directory + "/ca.pem" }
        var certificateFile: String { directory + "/server.pem" }
        var keyFile: String { directory + "/server.key" }

        static func make() throws -> Certificates {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let extensions = directory + "/server.ext"
            try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(
                toFile: extensions, atomically: true, encoding: .utf8)
            try openssl(
                in: directory,
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=bookstore test CA", "-keyout", "ca.key", "-out", "ca.pem",
                ])
            try openssl(
                in: directory,
                [
                    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
                    "/CN=127.0.0.1",
                    "-keyout", "server.key", "-out", "server.csr",
                ])
            try openssl(
                in: directory,
                [
                    "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", "2", "-extfile", "server.ext", "-out", "server.pem",
                ])
            return Certificates(directory: directory)
        }

        static func openssl(in directory: String, _ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: ["openssl": arguments.joined(separator: " ")])
            }
        }
    }

    static let opensslAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

    @Test("an RPC over TLS succeeds with the cluster CA and fails without it", .enabled(if: opensslAvailable))
    func roundTripOverTLS() throws {
        let certificates = try Certificates.make()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        var router = Router()
        router.register(addMethod) { params, _ in Total(sum: params.a &+ params.b) }
        let identity = try TLSIdentity.load(
            certificateFile: certificates.certificateFile, keyFile: certificates.keyFile)
        let server = RPCServer(
            configuration: .init(threads: 1, tls: identity), router: router,
            recorder: TraceRecorder(node: "secure", writer: nil), logger: logger)
        try server.start()
        defer { server.stop() }
        let recorder = TraceRecorder(node: "caller", writer: nil)

        let trusted = RPCClient(
            peer: "secure", baseURL: "https://127.0.0.1:\(server.port)", recorder: recorder, logger: logger,
            caFile: certificates.caFile)
        #expect(try trusted.call(addMethod, Operands(a: 2, b: 3)) == Total(sum: 5))

        let untrusting = RPCClient(
            peer: "secure", baseURL: "https://127.0.0.1:\(server.port)", recorder: recorder, logger: logger,
            caFile: "/dev/null")
        #expect(throws: RPCCallError.self) { try untrusting.call(addMethod, Operands(a: 2, b: 3)) }

        let plain = RPCClient(
            peer: "secure", baseURL: "http://127.0.0.1:\(server.port)", recorder: recorder, logger: logger)
        #expect(throws: RPCCallError.self) { try plain.call(addMethod, Operands(a: 2, b: 3)) }
    }

    @Test(
        "with security.tls set, the internal services serve HTTPS and a checkout goes through them",
        .enabled(if: opensslAvailable))
    func checkoutOverTLS() throws {
        let certificates = try Certificates.make()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        let cluster = try InProcessCluster(tracesDirectory: nil) { config in
            config.fraudModel = fraudModelPath
            config.security.tls = TLSSettings(
                certificateFile: certificates.certificateFile, keyFile: certificates.keyFile,
                caFile: certificates.caFile)
        }
        defer { cluster.stop() }
        let response = try orchestratorClient(cluster.orchestratorURL).request(
            "POST", "/checkout", body: Data(courseBody().utf8))
        #expect(response.status == 200)
        #expect(jsonObject(response.body)?["status"] as? String == "Order Approved")
        // The verification service answers HTTPS only.
        let verification = cluster.config.verification.address
        let recorder = TraceRecorder(node: "probe", writer: nil)
        let plain = RPCClient(
            peer: "verification", baseURL: "http://\(verification)", recorder: recorder, logger: quietLogger,
            propagatesContext: false)
        #expect(throws: RPCCallError.self) { try plain.request("GET", "/healthz") }
        let secure = RPCClient(
            peer: "verification", baseURL: "https://\(verification)", recorder: recorder, logger: quietLogger,
            propagatesContext: false, caFile: certificates.caFile)
        #expect(try secure.request("GET", "/healthz").status == 200)
    }

    @Test(
        "a LocalCluster with security.tls set comes up, commits approved checkouts, and refuses plain HTTP inside",
        .enabled(if: opensslAvailable), .runningTimeLimit(.seconds(120)))
    func localClusterOverTLS() throws {
        let certificates = try Certificates.make()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        let root = temporaryPath("tls-cluster")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // `launch` waits for every child's /healthz: over HTTPS for all but the orchestrator.
        let cluster = try LocalCluster.launch(
            executable: try locateBookstore(), root: root, runID: "tls", logger: quietLogger
        ) { config in
            config.fraudModel = fraudModelPath
            config.executors.processingMs = 5
            config.security.tls = TLSSettings(
                certificateFile: certificates.certificateFile, keyFile: certificates.keyFile,
                caFile: certificates.caFile)
        }
        defer { cluster.supervisor.stop() }
        let config = cluster.config
        #expect(cluster.supervisor.launches.filter { $0.url.hasPrefix("https://") }.count == 4 + 3)
        let leader = ExecutorProbe(config: config).waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5))
        #expect(leader != nil, "the probe reaches the executors over HTTPS")

        // The orchestrator stays plain HTTP; its calls to the services and the executors' queue calls are HTTPS.
        var approved: Set<String> = []
        for index in 0..<4 {
            let response = try orchestratorClient(config.orchestrator.url).request(
                "POST", "/checkout", body: Data(courseBody(comment: "tls order \(index)").utf8))
            #expect(response.status == 200)
            let reply = try JSONDecoder().decode(CheckoutReply.self, from: response.body)
            #expect(reply.status == "Order Approved")
            approved.insert(reply.orderId)
        }
        #expect(approved.count == 4)
        let snapshot = try #require(QueueDrain.wait(config: config, timeout: .seconds(30)), "queue unreachable")
        #expect(snapshot.waiting.isEmpty && snapshot.leases.isEmpty, "queue not drained")
        #expect(Set(snapshot.commits.map(\.orderId)) == approved, "every approved order committed")

        // A plain-HTTP caller, even with the cluster credential, gets nowhere inside; the same call over HTTPS works.
        let recorder = TraceRecorder(node: "plain", writer: nil)
        let queueTarget = config.security.target(of: config.queue)
        for endpoint in [config.queue, config.executors.replicas[0].endpoint] {
            let plain = RPCClient(
                peer: endpoint.id, baseURL: endpoint.url, recorder: recorder, logger: quietLogger,
                defaultDeadline: .seconds(2), propagatesContext: false, credential: cluster.credential)
            #expect(throws: RPCCallError.self) { try plain.request("GET", "/healthz") }
        }
        let plainQueue = RPCClient(
            peer: "queue", baseURL: config.queue.url, recorder: recorder, logger: quietLogger,
            defaultDeadline: .seconds(2), propagatesContext: false, credential: cluster.credential)
        #expect(throws: RPCCallError.self) { try plainQueue.call(QueueRPC.inspect, NoPayload()) }
        let secureQueue = RPCClient(
            peer: "queue", baseURL: queueTarget.baseURL, recorder: recorder, logger: quietLogger,
            defaultDeadline: .seconds(2), propagatesContext: false, credential: cluster.credential,
            caFile: queueTarget.caFile)
        #expect(try secureQueue.call(QueueRPC.inspect, NoPayload()).commits.count == 4)
    }

    @Test("a missing or non-PEM identity file is refused with its path")
    func badIdentityFilesAreRefused() throws {
        #expect(throws: TLSIdentity.LoadError.self) {
            try TLSIdentity.load(certificateFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-pem-\(UUID().uuidString)").path
        try "hello".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: TLSIdentity.LoadError.self) { try TLSIdentity.load(certificateFile: file, keyFile: file) }
    }
}
