import Cluster
import Foundation
import RPC
import Services
import Synchronization
import Testing
import TraceFormat

/// What a load process puts on the wire: an untraced one sends no trace metadata at all; a traced one sends clocks
/// under a node id of its own, one the cluster declares (`security.externalNodes`).
@Suite struct LoadIdentityTests {
    /// A stand-in orchestrator that approves every checkout and keeps each request's headers.
    final class Orchestrator: Sendable {
        final class Seen: Sendable {
            let headers = Mutex<[[String: String]]>([])
        }

        let server: RPCServer
        private let seen = Seen()

        init() throws {
            var router = Router()
            let seen = self.seen
            router.route("POST", "/checkout") { request, _ in
                seen.headers.withLock { $0.append(request.headers) }
                return HTTPResponse(
                    status: 200, headers: [("Content-Type", "application/json")],
                    body: Data(#"{"status":"Order Approved","orderId":"0123456789abcdef0123456789abcdef"}"#.utf8))
            }
            server = RPCServer(
                configuration: .init(port: 0, threads: 2), router: router,
                recorder: TraceRecorder(node: "orchestrator", writer: nil), logger: quietLogger)
            try server.start()
        }

        var url: String { "http://127.0.0.1:\(server.port)" }
        var requests: [[String: String]] { seen.headers.withLock { $0 } }
    }

    static let metadata = [WireHeader.vectorClock, WireHeader.messageID, WireHeader.sender, WireHeader.traceparent]

    static func load(_ url: String, recorder: TraceRecorder) -> LoadGenerator.Report {
        LoadGenerator(baseURL: url, orders: 3, concurrency: 1, year: 2026).run(recorder: recorder)
    }

    @Test func anUntracedLoadSendsNoTraceMetadata() throws {
        let orchestrator = try Orchestrator()
        defer { orchestrator.server.stop() }
        let report = Self.load(orchestrator.url, recorder: TraceRecorder(node: "load", writer: nil))
        #expect(report.outcomes["transport_error"] == nil, "\(report.outcomes)")
        #expect(orchestrator.requests.count == 3)
        for headers in orchestrator.requests {
            for name in Self.metadata { #expect(headers[name.lowercased()] == nil, "\(name) sent untraced") }
        }
    }

    @Test func tracedLoadsRunningTogetherEachTraceAndSendClocksUnderTheirOwnDeclaredID() throws {
        let run = temporaryPath("load-identity")
        defer { try? FileManager.default.removeItem(atPath: run) }
        let declared = ClusterConfig().security.externalNodes
        let first = try LoadGenerator.tracingRecorder(directory: run, nodeID: nil, declared: declared)
        let second = try LoadGenerator.tracingRecorder(directory: run, nodeID: nil, declared: declared)
        #expect(first.node == "load" && second.node == "load-2")
        let orchestrator = try Orchestrator()
        defer { orchestrator.server.stop() }
        _ = Self.load(orchestrator.url, recorder: second)
        second.close()
        first.close()
        #expect(orchestrator.requests.count == 3)
        for headers in orchestrator.requests {
            #expect(headers[WireHeader.sender.lowercased()] == "load-2")
            let clock = try #require(headers[WireHeader.vectorClock.lowercased()])
            #expect(clock.contains(#""load-2":"#) && !clock.contains(#""load":"#), "\(clock)")
        }
        // Once the first has stopped, the next load is a new process of node `load` (a restart, §1.5).
        let third = try LoadGenerator.tracingRecorder(directory: run, nodeID: nil, declared: declared)
        #expect(third.node == "load")
        third.close()
    }

    @Test func aLoadWithoutAFreeDeclaredIDOrWithAnUndeclaredOneIsRefused() throws {
        let run = temporaryPath("load-identity-refused")
        defer { try? FileManager.default.removeItem(atPath: run) }
        let only = try LoadGenerator.tracingRecorder(directory: run, nodeID: nil, declared: ["load"])
        defer { only.close() }
        #expect(throws: LoadIdentityError.allBusy(["load"])) {
            try LoadGenerator.tracingRecorder(directory: run, nodeID: nil, declared: ["load"])
        }
        #expect(throws: LoadIdentityError.undeclared("load-9", declared: ["load"])) {
            try LoadGenerator.tracingRecorder(directory: run, nodeID: "load-9", declared: ["load"])
        }
    }
}
