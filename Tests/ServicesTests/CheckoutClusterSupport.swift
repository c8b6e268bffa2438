import Checkout
import Cluster
import Foundation
import RPC
import Services
import Testing
import TraceFormat

/// A real cluster (every service its own process) for checkout tests: its root holds the config, the run
/// directory (traces, logs) and the queue's data directory. `close()` stops every process and removes the root.
struct CheckoutCluster {
    let root: String
    let cluster: LocalCluster
    let client: RPCClient

    static func launch(_ name: String, configure: (inout ClusterConfig) -> Void = { _ in }) throws -> CheckoutCluster {
        let root = temporaryPath(name)
        do {
            let cluster = try LocalCluster.launch(
                executable: try locateBookstore(), root: root, runID: name, logger: quietLogger
            ) { config in
                config.fraudModel = fraudModelPath
                config.queueStore.dataDir = (root as NSString).appendingPathComponent("queue-data")
                configure(&config)
            }
            return CheckoutCluster(
                root: root, cluster: cluster, client: orchestratorClient(cluster.config.orchestrator.url))
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
    }

    var supervisor: ClusterSupervisor { cluster.supervisor }
    var config: ClusterConfig { cluster.config }
    var runPath: String { cluster.run.path }

    /// `POST /checkout` with `body` and extra headers.
    func post(_ body: String, headers: [(String, String)] = []) throws -> HTTPResponse {
        try client.request(
            "POST", "/checkout", body: Data(body.utf8), headers: [("Content-Type", "application/json")] + headers)
    }

    /// Stops service `name` (SIGTERM) and waits until its process is gone.
    func stopService(_ name: String) {
        supervisor.signal(SIGTERM, to: name)
        let deadline = ContinuousClock.now + .seconds(10)
        while supervisor.children.contains(where: { $0.name == name }) && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Starts service `name` again and waits until it answers.
    func restartService(_ name: String) throws {
        try supervisor.start(name: name)
        try supervisor.waitUntilHealthy(only: [name], timeout: .seconds(20))
    }

    /// Stops every process (idempotent).
    func stop() { supervisor.stop() }

    /// Stops every process and removes the root.
    func close() {
        supervisor.stop()
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// A header of a response by case-insensitive name.
func header(_ response: HTTPResponse, _ name: String) -> String? {
    response.headers.first { $0.0.lowercased() == name.lowercased() }?.1
}

/// The course page's body with its own comment, so that bodies differ.
func courseBody(comment: String) -> String {
    courseBody().replacingOccurrences(of: "Please handle with care.", with: comment)
}

/// The reply of an approved or rejected checkout.
struct CheckoutReply: Decodable {
    var orderId: String
    var status: String
    var traceId: String
    var suggestedBooks: [SuggestedBook]
}

/// The error body of a refused checkout.
struct CheckoutError: Decodable {
    struct Detail: Decodable {
        var code: String
        var message: String
        var orderId: String?
    }

    var error: Detail
}
