import Checkout
import Cluster
import Foundation
import Logging
import RPC
import Services
import Testing
import TraceAnalysis
import TraceFormat

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The committed fraud model.
let fraudModelPath = packageRoot.appendingPathComponent("models/fraud-model.json").path

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// A fresh temporary directory path (not created).
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
}

/// A client of the orchestrator at `url`.
func orchestratorClient(
    _ url: String, recorder: TraceRecorder = TraceRecorder(node: "test", writer: nil)
)
    -> RPCClient
{
    RPCClient(peer: "orchestrator", baseURL: url, recorder: recorder, logger: quietLogger, defaultDeadline: .seconds(5))
}

/// The course page's default body (checkout-contract.md) with an expiry that is still valid.
func courseBody(expiry: String = "12/\((CalendarDate.utcNow().year + 2) % 100)") -> String {
    """
    {"user":{"name":"John Doe","contact":"john.doe@example.com"},
     "creditCard":{"number":"4111111111111111","expirationDate":"\(expiry)","cvv":"123"},
     "userComment":"Please handle with care.",
     "items":[{"name":"Book A","quantity":1},{"name":"Book B","quantity":2}],
     "billingAddress":{"street":"123 Main St","city":"Springfield","state":"IL","zip":"62701","country":"USA"},
     "shippingMethod":"Standard","giftWrapping":true,"termsAccepted":true}
    """
}

/// Decodes a JSON object body loosely.
func jsonObject(_ data: Data) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}

/// The `bookstore` executable built next to the tests (BOOKSTORE_BIN overrides).
func locateBookstore() throws -> String {
    if let override = ProcessInfo.processInfo.environment["BOOKSTORE_BIN"], !override.isEmpty { return override }
    let candidates = [
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("bookstore").path,
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("bookstore").path,
        packageRoot.appendingPathComponent(".build/debug/bookstore").path,
    ]
    return try #require(
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
        "bookstore executable not found (swift build, or set BOOKSTORE_BIN); tried \(candidates)")
}

/// A loopback port that was free a moment ago.
func freePort() -> Int { LoopbackPort.free() }

/// Reads every event of every trace file in a run directory, by node (each node's segments in order). Files of
/// nodes in `damageAllowed` (killed with -9) may end in a cut; every other file must be clean.
func readRun(_ directory: String, damageAllowed: Set<String> = []) throws -> [String: [TraceEvent]] {
    var byNode: [String: [TraceEvent]] = [:]
    let healths = try RunLoader(directory: directory).forEachEventInFileOrder { node, event in
        byNode[node, default: []].append(event)
    }
    for health in healths {
        byNode[health.node] = byNode[health.node] ?? []
        if damageAllowed.contains(health.node) {
            #expect(health.malformed.isEmpty, "\(health.problems)")
        } else {
            #expect(health.isClean, "\(health.problems)")
        }
    }
    return byNode
}
