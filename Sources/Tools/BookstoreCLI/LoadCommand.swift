import ArgumentParser
import Checkout
import Cluster
import Foundation
import RPC
import Services
import Synchronization
import TraceFormat

extension OutputFormat: ExpressibleByArgument {}

/// Text or JSON output of a command.
enum OutputFormat: String, CaseIterable {
    case text, json
}

/// `bookstore load`: sends a mix of orders to the orchestrator and prints throughput and latency.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Send a realistic mix of checkouts and report throughput and latency.")

    @Option(help: "How many orders to send.") var orders: Int = 1000
    @Option(help: "Concurrent clients (keep-alive connections).") var concurrency: Int = 8
    @Option(
        help: "Order mix as kind=weight pairs, e.g. valid=70,badCard=8,expiredCard=7,missingFields=5,fraudulent=10.")
    var mix: String?
    @Option(help: "Orchestrator URL (default: from the config).") var url: String?
    @Option(help: "Cluster config file.") var config: String?
    @Option(
        name: [.customLong("run-dir"), .customLong("traces")],
        help: """
            Write the load generator's own trace into this run directory (and send clocks); without it no trace \
            metadata is sent (--traces: old name).
            """)
    var traces: String?
    @Option(
        help: """
            Node id to trace under (one of the config's security.externalNodes); default: the first of load, \
            load-2, … that no other load process is tracing under.
            """)
    var nodeId: String?
    @Option(help: "Seed of the order generator.") var seed: UInt64 = 42
    @Option(help: "Output: text or json (json lists every approved order id).") var format: OutputFormat = .text
    @Option(help: "Retries per order after a 503, a 409 asking to retry, or a transport failure (same key).")
    var retries: Int = 5
    @Flag(help: "Text output: also list the approved order ids, one a line.") var listIds = false

    func validate() throws {
        guard orders > 0 else { throw ValidationError("--orders must be positive") }
        guard (1...512).contains(concurrency) else { throw ValidationError("--concurrency must be 1…512") }
        guard (0...20).contains(retries) else { throw ValidationError("--retries must be 0…20") }
        if let mix, OrderMix(parsing: mix) == nil { throw ValidationError("--mix: cannot parse \(mix)") }
        if nodeId != nil && traces == nil {
            throw ValidationError("--node-id needs --traces (an untraced load sends no ids)")
        }
    }

    func run() throws {
        let cluster = try config.map(ClusterConfig.load(path:)) ?? ClusterConfig()
        try LoadReachability.require(url: url ?? cluster.orchestrator.url)
        let recorder: TraceRecorder
        do {
            recorder =
                try traces.map {
                    try LoadGenerator.tracingRecorder(
                        directory: $0, nodeID: nodeId, declared: cluster.security.externalNodes)
                } ?? TraceRecorder(node: "load", writer: nil)
        } catch {
            CLIOutput.error("error: \(error)")
            throw ExitCode(2)
        }
        let report = LoadRun.execute(
            url: url ?? cluster.orchestrator.url, orders: orders, concurrency: concurrency,
            mix: mix.flatMap(OrderMix.init(parsing:)) ?? .standard, seed: seed, recorder: recorder,
            credential: traces == nil ? nil : try cluster.security.credential(runDirectory: traces),
            retry: CheckoutRetry(maxRetries: retries))
        recorder.close()
        LoadRun.print(report, format: format, listIDs: listIds)
        try LoadReachability.judge(report, url: url ?? cluster.orchestrator.url)
    }
}

/// Runs a load with a progress bar and prints its report (shared by `load` and `demo`).
enum LoadRun {
    static func execute(
        url: String, orders: Int, concurrency: Int, mix: OrderMix, seed: UInt64, recorder: TraceRecorder,
        credential: ClusterCredential?, retry: CheckoutRetry = CheckoutRetry()
    ) -> LoadGenerator.Report {
        // A traced generator presents the credential (when it has one) so that its messages are honoured.
        let generator = LoadGenerator(
            baseURL: url, orders: orders, concurrency: concurrency, mix: mix, seed: seed,
            year: CalendarDate.utcNow().year, credential: credential, retry: retry)
        let bar = ProgressBar(total: orders)
        let report = generator.run(recorder: recorder) { done in bar.update(done) }
        bar.finish()
        return report
    }

    static func print(_ report: LoadGenerator.Report, format: OutputFormat, listIDs: Bool = false) {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            CLIOutput.line(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
        case .text:
            CLIOutput.line(
                "\(report.orders) orders in \(String(format: "%.2f", report.seconds)) s with \(report.concurrency) clients: "
                    + "\(String(format: "%.0f", report.ordersPerSecond)) orders/s")
            CLIOutput.line(
                "latency ms: p50 \(String(format: "%.2f", report.p50Ms))  p90 \(String(format: "%.2f", report.p90Ms))  "
                    + "p99 \(String(format: "%.2f", report.p99Ms))  max \(String(format: "%.2f", report.maxMs))")
            let outcomes = report.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            CLIOutput.line("outcomes: " + outcomes.joined(separator: ", "))
            let sent = report.sent.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            CLIOutput.line("sent: " + sent.joined(separator: ", ") + "; unexpected outcomes: \(report.unexpected)")
            CLIOutput.line(
                "retries: \(report.retries) (orders retried \(report.retriedOrders), gave up \(report.gaveUp)); "
                    + "approved order ids: \(report.approvedOrderIDs.count)"
                    + (listIDs ? "" : " (--list-ids or --format json lists them)"))
            if listIDs { for id in report.approvedOrderIDs { CLIOutput.line(id) } }
        }
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
final class ProgressBar: Sendable {
    private let total: Int
    private let enabled = isatty(2) == 1
    private let lastDrawn = Mutex(-1)

    init(total: Int) { self.total = total }

    func update(_ done: Int) {
        guard enabled else { return }
        let percent = done * 100 / max(1, total)
        lastDrawn.withLock { lastDrawn in
            guard percent != lastDrawn else { return }
            lastDrawn = percent
            let width = 40
            let filled = width * done / max(1, total)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            CLIOutput.errorInline("\r[\(bar)] \(percent)% \(done)/\(total)")
        }
    }

    func finish() {
        guard enabled else { return }
        CLIOutput.errorInline("\r\u{1B}[2K")
    }
}

extension CLIOutput {
    static func errorInline(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
