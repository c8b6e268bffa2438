import ArgumentParser
import Cluster
import Foundation
import Logging
import RPC
import Services
import TraceFormat

/// `bookstore-bench inprocess`: a fixed checkout workload for instruction counting. Every service of the checkout
/// path (orchestrator, verification, fraud, suggestions, queue; no executors) runs in this process, traced unless
/// `--untraced`, and one client sends `--orders` checkouts of the course page's order one after the other over
/// loopback HTTP, as a real client would (`--clients N`: N clients at once, for the CPU a checkout costs natively
/// when no process boundary is crossed).
///
/// Made for `valgrind --tool=callgrind` (`scripts/instructions-per-checkout`): one client means batches of one, so
/// the path each checkout takes does not depend on timing, and the difference between two runs (100 and 300 orders)
/// divided by the difference in orders is the instructions of one checkout across the cluster, a figure that holds
/// on a noisy host where throughput moves by ±20 % from run to run. It prints how the checkouts ended (approved, or
/// what else) so that a run whose path changed is seen; it measures nothing itself.
struct InProcessWorkload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inprocess",
        abstract: "Checkouts against every service in this process (a workload for callgrind, or for CPU natively).")

    @Option(help: "Checkouts to send.") var orders: Int = 200
    @Option(help: "Clients sending at once, each on its own thread and connection (1 for instruction counts).")
    var clients: Int = 1
    @Option(help: "The fraud model (XGBoost JSON).") var model: String = "models/fraud-model.json"
    @Flag(help: "Run the services without trace files (the clocks still run).") var untraced = false
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func validate() throws {
        // The queue holds at most `maxWaiting` (10,000) orders and no executor takes them here.
        guard (1...5_000).contains(orders), (1...64).contains(clients) else {
            throw ValidationError("--orders 1…5000, --clients 1…64")
        }
    }

    func run() throws {
        let traces = NSTemporaryDirectory() + "bookstore-inprocess-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: traces) }
        let cluster = try InProcessCluster(tracesDirectory: untraced ? nil : traces) { config in
            config.fraudModel = model
            // Valgrind runs the process 30–100 times slower than natively: keep every call within its deadline.
            config.deadlines.verificationMs = 10_000
            config.deadlines.fraudMs = 10_000
            config.deadlines.suggestionsMs = 10_000
            config.deadlines.queueMs = 10_000
        }
        defer { cluster.stop() }
        let client = RPCClient(
            peer: "orchestrator", baseURL: cluster.orchestratorURL,
            recorder: TraceRecorder(node: "client", writer: nil),
            logger: Logger(label: "inprocess") { _ in SwiftLogNoOpLogHandler() }, defaultDeadline: .seconds(60))
        // Client k sends orders k, k + clients, …: `orders` in all, each client on a thread of its own (the RPC
        // client's pool opens a connection for each request in flight, so N clients use N kept-alive connections).
        let outcomes = LockedState([String: Int]())
        let done = DispatchGroup()
        for first in 0..<clients {
            done.enter()
            Thread.detachNewThread {
                for _ in stride(from: first, to: orders, by: clients) {
                    let outcome = Self.outcome(try? client.request("POST", "/checkout", body: HandlerCases.courseBody))
                    outcomes.withLock { $0[outcome, default: 0] += 1 }
                }
                done.leave()
            }
        }
        done.wait()
        let statuses = outcomes.withLock { $0 }
        let summary = statuses.keys.sorted().map { "\($0): \(statuses[$0]!)" }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var counts = statuses
            counts["orders"] = orders
            print(String(decoding: try encoder.encode(counts), as: UTF8.self))
        case .text:
            let how = clients == 1 ? "one at a time" : "\(clients) clients at once"
            print("\(orders) checkouts, \(how): " + summary.joined(separator: ", "))
        }
    }

    /// "approved" for an approved order; else the HTTP status and, for a 200, that the order was not approved.
    private static func outcome(_ response: HTTPResponse?) -> String {
        guard let response else { return "no answer" }
        guard response.status == 200 else { return "HTTP \(response.status)" }
        let approved = response.body.range(of: Data(#""status":"Order Approved""#.utf8)) != nil
        return approved ? "approved" : "HTTP 200, not approved"
    }
}
