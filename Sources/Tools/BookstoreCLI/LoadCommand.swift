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
        commandName: "load",
        abstract: "Send a realistic mix of checkouts and report throughput and latency.",
        discussion: """
            Closed loop (default): --concurrency clients, each on its own thread with its own keep-alive \
            connection, each sending its next order when the previous one is answered, --orders in all. \
            Open loop: --rate N (orders per second) for --duration D; every order is due at a fixed time, and its \
            latency counts from that time, so a slow answer cannot hide the orders it held up.
            """)

    @Option(help: "How many orders to send (closed loop; default 1000).") var orders: Int?
    @Option(
        help: """
            Clients: threads, each with its own keep-alive connection (default 8; open loop: rate/50, 8…64).
            """)
    var concurrency: Int?
    @Option(help: "Open loop: orders per second on a fixed schedule, e.g. 1000 or 1000/s.") var rate: String?
    @Option(help: "Open loop: how long to send, e.g. 10s or 500ms (default 10s).") var duration: String?
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
    @Flag(
        inversion: .prefixedNo,
        help: "A progress line on stderr (default: only when stderr is a terminal).")
    var progress: Bool?

    func validate() throws {
        if let orders, orders <= 0 { throw ValidationError("--orders must be positive") }
        if let concurrency, !(1...512).contains(concurrency) {
            throw ValidationError("--concurrency must be 1…512")
        }
        guard (0...20).contains(retries) else { throw ValidationError("--retries must be 0…20") }
        if let mix, OrderMix(parsing: mix) == nil { throw ValidationError("--mix: cannot parse \(mix)") }
        if nodeId != nil && traces == nil {
            throw ValidationError("--node-id needs --traces (an untraced load sends no ids)")
        }
        if rate == nil, duration != nil { throw ValidationError("--duration needs --rate (the open loop)") }
        if rate != nil, orders != nil {
            throw ValidationError("--orders is the closed loop, --rate the open loop: give one of them")
        }
        _ = try schedule()
    }

    /// The open loop's schedule (nil: closed loop).
    func schedule() throws -> OpenLoopSchedule? {
        guard let rate else { return nil }
        let text = rate.hasSuffix("/s") ? String(rate.dropLast(2)) : rate
        guard let perSecond = Double(text), perSecond > 0, perSecond <= 100_000 else {
            throw ValidationError("--rate must be a number of orders per second, 0 < rate ≤ 100000 (e.g. 1000/s)")
        }
        guard let seconds = DurationText.seconds(duration ?? "10s"), seconds > 0, seconds <= 3600 else {
            throw ValidationError("--duration must be more than 0 and at most 1 hour (e.g. 10s, 500ms)")
        }
        guard let schedule = OpenLoopSchedule(rate: perSecond, duration: .nanoseconds(Int64(seconds * 1e9))) else {
            throw ValidationError("--rate \(rate) for \(duration ?? "10s") is no schedule")
        }
        return schedule
    }

    /// Clients to run: as given, else 8, or in an open loop rate/50 (about 20 ms of work each) within 8…64.
    static func clients(given: Int?, schedule: OpenLoopSchedule?) -> Int {
        if let given { return given }
        guard let schedule else { return 8 }
        return min(64, max(8, Int((schedule.rate / 50).rounded(.up))))
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
        let schedule = try schedule()
        let report = LoadRun.execute(
            url: url ?? cluster.orchestrator.url, orders: orders ?? 1000,
            concurrency: Self.clients(given: concurrency, schedule: schedule),
            mix: mix.flatMap(OrderMix.init(parsing:)) ?? .standard, seed: seed, recorder: recorder,
            credential: traces == nil ? nil : try cluster.security.credential(runDirectory: traces),
            retry: CheckoutRetry(maxRetries: retries), schedule: schedule, progress: progress)
        recorder.close()
        LoadRun.print(report, format: format, listIDs: listIds)
        try LoadReachability.judge(report, url: url ?? cluster.orchestrator.url)
    }
}
