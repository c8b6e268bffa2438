import Checkout
import Cluster
import ClusterProtocol
import Foundation
import RPC
import Services
import Synchronization
import TestTimeLimits
import Testing
import TraceFormat

/// Where Debian's `prometheus` package installs the server (`scripts/bootstrap` installs the package).
private let prometheusExecutable = "/usr/bin/prometheus"

/// The shipped observability files.
private let dashboardsDirectory = packageRoot.appendingPathComponent("dashboards")
private let scrapeConfigPath = dashboardsDirectory.appendingPathComponent("prometheus.yml").path
private let grafanaDirectory = dashboardsDirectory.appendingPathComponent("grafana")

/// `dashboards/`: the scrape config and the Grafana dashboards are checked against a real Prometheus that scrapes
/// a real cluster on the default addresses.
@Suite("Prometheus and the dashboards", .serialized)
struct PrometheusTests {
    // Skipped only where the `prometheus` package is not installed (no package manager, no network, …).
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: prometheusExecutable),
            "prometheus is not installed at \(prometheusExecutable) (run scripts/bootstrap)"),
        .runningTimeLimit(.seconds(60)))
    func prometheusScrapesEveryServiceAndStoresEveryMetricTheDashboardsQuery() throws {
        let defaults = ClusterConfig()
        let addresses =
            ServiceRole.allCases.map { defaults.endpoint(of: $0).address }
            + defaults.executors.replicas.map(\.address)
        let busy = addresses.filter { !canListen(on: $0) }
        try #require(
            busy.isEmpty,
            """
            the shipped scrape config needs the cluster on its default addresses, but something listens on \
            \(busy.joined(separator: ", ")) (a `bookstore up` still running?)
            """)
        let expressions = try dashboardExpressions()
        try #require(!expressions.isEmpty, "no panel queries in \(grafanaDirectory.path)")
        let metricNames = Set(expressions.flatMap { PromQL.metricNames(in: $0.expr) })
        // Series must carry the services' own labels (the scrape config adds none).
        let ownLabels = "count(count by (service, node) (bookstore_trace_events_written_total))"

        let root = temporaryPath("prometheus")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let prometheus = try PrometheusServer.start(
            config: scrapeConfigPath, storage: root + "/tsdb", log: root + "/prometheus.log", port: freePort())
        defer { prometheus.stop() }

        var config = ClusterConfig()
        config.fraudModel = fraudModelPath
        // Slow execution by one slot leaves a backlog after the load (25 orders/s, well below what the load sends
        // even on a busy machine), so the leader holds a lease when it is paused.
        config.executors.processingMs = 40
        config.executors.executorConcurrency = 1
        // A paused leader is replaced only after the detector's ceiling (no answer to the probes: a stopped process
        // still accepts connections); its lease must outlive that for the new leader to revoke it, not find it expired.
        config.executors.leaseMs = 4_000
        let configPath = root + "/cluster.json"
        try JSONEncoder().encode(config).write(to: URL(fileURLWithPath: configPath))
        let run = try RunDirectory.create(root: root, runID: "prometheus")
        let supervisor = ClusterSupervisor(
            executable: try locateBookstore(), config: config, configPath: configPath, run: run, logger: quietLogger)
        defer { supervisor.stop() }
        try supervisor.start()
        try supervisor.waitUntilHealthy(timeout: .seconds(20))
        try prometheus.waitUntilReady(timeout: .seconds(15))

        // A normal run under load, then the events some panels count: an expired lease and a revoked one.
        let faults = ExecutorFaults(supervisor: supervisor, config: config)
        let leader = try #require(faults.probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5)))
        // Each load runs while the executors are paused: orders keep arriving, so the queue has one leased to
        // interrupt however fast the executors drain a load sent before (a load that finished first, slowed by the
        // suites running beside this one, sometimes left none: "no backlog?").
        let firstLoad = BackgroundLoad(config, orders: 100, seed: 31)
        try faults.expireALease()
        firstLoad.expectDecided()
        let secondLoad = BackgroundLoad(config, orders: 100, seed: 32)
        try faults.revokeALease(startingFrom: leader)
        secondLoad.expectDecided()
        let faultsDone = Date().timeIntervalSince1970

        // Two scrapes of every target after the last event, then everything the dashboards need.
        try prometheus.waitForScrapes(after: faultsDone, timeout: .seconds(10))
        var problems: [String] = []
        let deadline = ContinuousClock.now + .seconds(20)
        repeat {
            problems =
                try prometheus.targetProblems(expected: Set(addresses))
                + metricNames.sorted().compactMap { name in
                    try prometheus.query("count({__name__=\"\(name)\"})").isEmpty
                        ? "metric \(name) is not in Prometheus" : nil
                }
                + expressions.compactMap { panel in
                    do {
                        return try prometheus.query(panel.instantExpr).isEmpty ? "\(panel): no data" : nil
                    } catch {
                        return "\(panel): \(error)"
                    }
                }
                + ((try prometheus.query(ownLabels).first?["value"] as? [Any])?.last as? String == "\(addresses.count)"
                    ? [] : ["not every node exports its own service/node labels"])
            if problems.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.5)
        } while ContinuousClock.now < deadline
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))\nPrometheus log: \(prometheus.logTail())")
    }

    @Test func everyPanelQueriesPrometheusThroughTheImportedDataSource() throws {
        let files = try dashboardFiles()
        #expect(
            Set(files.map(\.lastPathComponent))
                == ["checkout-overview.json", "executors-and-elections.json", "tracing-pipeline.json"])
        var uids: Set<String> = []
        for file in files {
            let dashboard = try #require(jsonObject(try Data(contentsOf: file)), "\(file.lastPathComponent)")
            let name = file.lastPathComponent
            let inputs = dashboard["__inputs"] as? [[String: Any]] ?? []
            let asksForPrometheus = inputs.contains {
                $0["name"] as? String == "DS_PROMETHEUS" && $0["pluginId"] as? String == "prometheus"
            }
            #expect(
                asksForPrometheus,
                "\(name) does not ask for a Prometheus data source on import")
            #expect((dashboard["schemaVersion"] as? Int ?? 0) >= 36, "\(name)")
            let uid = try #require(dashboard["uid"] as? String, "\(name) has no uid")
            #expect(uids.insert(uid).inserted, "\(name): uid \(uid) is not unique")
            let panels = dashboard["panels"] as? [[String: Any]] ?? []
            #expect(!panels.isEmpty, "\(name)")
            #expect(Set(panels.compactMap { $0["id"] as? Int }).count == panels.count, "\(name): panel ids")
            for panel in panels {
                let title = "\(name) / \(panel["title"] as? String ?? "?")"
                #expect(["timeseries", "stat", "heatmap"].contains(panel["type"] as? String ?? ""), "\(title)")
                let targets = panel["targets"] as? [[String: Any]] ?? []
                #expect(!targets.isEmpty, "\(title) has no query")
                for target in targets {
                    let source = target["datasource"] as? [String: Any]
                    #expect(source?["uid"] as? String == "${DS_PROMETHEUS}", "\(title)")
                    #expect(source?["type"] as? String == "prometheus", "\(title)")
                    #expect(!(target["expr"] as? String ?? "").isEmpty, "\(title)")
                    #expect(target["refId"] is String, "\(title)")
                }
            }
        }
    }

    @Test func theScrapeConfigTargetsTheDefaultClusterAddresses() throws {
        let text = try String(contentsOfFile: scrapeConfigPath, encoding: .utf8)
        let targets = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
            .flatMap { line in line.split(whereSeparator: { "[]\", ".contains($0) }).filter { $0.hasPrefix("127.") } }
        let defaults = ClusterConfig()
        let expected =
            ServiceRole.allCases.map { defaults.endpoint(of: $0).address }
            + defaults.executors.replicas.map(\.address)
        #expect(targets.map(String.init).sorted() == expected.sorted())
        #expect(text.contains("scrape_interval: 1s"))
    }

    @Test func metricNamesAreTheIdentifiersThatAreNotFunctionsLabelsOrKeywords() {
        #expect(
            PromQL.metricNames(
                in: """
                    histogram_quantile(0.99, sum by (le, method) \
                    (rate(rpc_server_duration_seconds_bucket{method!~"GET /(metrics|healthz)"}[1m])))
                    """) == ["rpc_server_duration_seconds_bucket"])
        #expect(
            PromQL.metricNames(in: "sum(rate(a_total[5m] offset 1h)) / sum(b:ratio) or vector(0)")
                == ["a_total", "b:ratio"])
        #expect(PromQL.metricNames(in: "max by (node) (executor_is_leader) == 1") == ["executor_is_leader"])
        #expect(PromQL.metricNames(in: "x * on (node) group_left (service) y > bool 2e3") == ["x", "y"])
        #expect(PromQL.metricNames(in: "count(up{job='queue', node=\"a\\\"b\"}) and NaN < Inf") == ["up"])
        #expect(PromQL.metricNames(in: "sum without (instance) (rate(c[1m])) unless d") == ["c", "d"])
    }
}

// MARK: - Dashboards

/// One query of one dashboard panel.
private struct PanelQuery: CustomStringConvertible {
    var dashboard: String
    var panel: String
    var expr: String
    var description: String { "\(dashboard) / \(panel): \(expr)" }
    /// The query as Grafana sends it with "All" selected and a 1 s scrape interval.
    var instantExpr: String {
        expr.replacingOccurrences(of: "$__rate_interval", with: "1m").replacingOccurrences(of: "$service", with: ".*")
            .replacingOccurrences(of: "$node", with: ".*")
    }
}

private func dashboardFiles() throws -> [URL] {
    try FileManager.default.contentsOfDirectory(at: grafanaDirectory, includingPropertiesForKeys: nil)
        .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
}

/// Every `expr` of every panel (rows' nested panels included) of every dashboard.
private func dashboardExpressions() throws -> [PanelQuery] {
    func queries(_ panels: [[String: Any]], in dashboard: String) -> [PanelQuery] {
        panels.flatMap { panel in
            let title = panel["title"] as? String ?? "?"
            let own = (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                (target["expr"] as? String).map { PanelQuery(dashboard: dashboard, panel: title, expr: $0) }
            }
            return own + queries(panel["panels"] as? [[String: Any]] ?? [], in: dashboard)
        }
    }
    return try dashboardFiles().flatMap { file in
        let dashboard = try #require(jsonObject(try Data(contentsOf: file)), "\(file.path) is not a JSON object")
        return queries(dashboard["panels"] as? [[String: Any]] ?? [], in: file.lastPathComponent)
    }
}

/// A small PromQL scanner: enough to find the metric names an expression selects.
enum PromQL {
    /// Aggregation operators (they may be followed by `by`/`without` instead of a parenthesis).
    static let aggregations: Set<String> = [
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
        "quantile", "limitk", "limit_ratio",
    ]
    /// Keywords followed by a parenthesized list of label names.
    static let grouping: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]
    /// Other keywords (compared in lower case).
    static let keywords: Set<String> = ["bool", "and", "or", "unless", "offset", "atan2", "inf", "nan"]

    /// The metric names `expression` selects: identifiers outside strings, label matchers and ranges that are
    /// not functions, aggregations, keywords or grouping labels.
    static func metricNames(in expression: String) -> Set<String> {
        let characters = Array(expression.unicodeScalars)
        var names: Set<String> = []
        var index = 0
        func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
            c == "_" || c == ":" || (c.isASCII && c.properties.isAlphabetic)
        }
        func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || ("0"..."9").contains(c) }
        /// The index after the string literal that starts at `start`.
        func skipString(_ start: Int) -> Int {
            let quote = characters[start]
            var i = start + 1
            while i < characters.count, characters[i] != quote {
                i += characters[i] == "\\" && quote != "`" ? 2 : 1
            }
            return i + 1
        }
        /// The index after the bracket that closes the one at `start` (strings inside are skipped).
        func skipBracketed(_ start: Int, close: Unicode.Scalar) -> Int {
            let open = characters[start]
            var depth = 0
            var i = start
            while i < characters.count {
                let c = characters[i]
                if c == "\"" || c == "'" || c == "`" {
                    i = skipString(i)
                    continue
                }
                if c == open { depth += 1 }
                if c == close {
                    depth -= 1
                    if depth == 0 { return i + 1 }
                }
                i += 1
            }
            return i
        }
        while index < characters.count {
            let c = characters[index]
            if c == "\"" || c == "'" || c == "`" {
                index = skipString(index)
            } else if c == "{" {
                index = skipBracketed(index, close: "}")
            } else if c == "[" {
                index = skipBracketed(index, close: "]")
            } else if ("0"..."9").contains(c) || c == "." {
                // Numbers and durations: 0.99, 2e3, 5m, 1h30m.
                while index < characters.count, isIdentifierPart(characters[index]) || characters[index] == "." {
                    index += 1
                }
            } else if isIdentifierStart(c) {
                var end = index
                while end < characters.count, isIdentifierPart(characters[end]) { end += 1 }
                let word = String(String.UnicodeScalarView(characters[index..<end]))
                var next = end
                while next < characters.count, characters[next].properties.isWhitespace { next += 1 }
                let opensParenthesis = next < characters.count && characters[next] == "("
                index = end
                if grouping.contains(word) {
                    if opensParenthesis { index = skipBracketed(next, close: ")") }
                } else if !opensParenthesis, !aggregations.contains(word), !keywords.contains(word.lowercased()) {
                    names.insert(word)
                }
            } else {
                index += 1
            }
        }
        return names
    }
}

// MARK: - Cluster

/// Whether a server could listen on `address` now (SO_REUSEADDR: only a listening socket makes it busy).
private func canListen(on address: String) -> Bool {
    guard let parsed = ListenAddress(address) else { return false }
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var reuse: Int32 = 1
    setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
    var socketAddress = sockaddr_in()
    socketAddress.sin_family = sa_family_t(AF_INET)
    socketAddress.sin_port = in_port_t(UInt16(parsed.port).bigEndian)
    socketAddress.sin_addr.s_addr = inet_addr(parsed.host)
    let bound = withUnsafePointer(to: &socketAddress) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    return bound == 0
}

/// A load sent on another thread while the test goes on; `expectDecided` waits for it and expects each order decided
/// as its kind was built for.
private final class BackgroundLoad: Sendable {
    private let orders: Int
    private let finished = DispatchSemaphore(value: 0)
    private let report = Mutex<LoadGenerator.Report?>(nil)

    init(_ config: ClusterConfig, orders: Int, seed: UInt64) {
        self.orders = orders
        let generator = LoadGenerator(
            baseURL: config.orchestrator.url, orders: orders, concurrency: 4, seed: seed,
            year: CalendarDate.utcNow().year)
        Thread.detachNewThread { [self] in
            let result = generator.run(recorder: TraceRecorder(node: "load", writer: nil))
            report.withLock { $0 = result }
            finished.signal()
        }
    }

    /// Waits for the load (bounded) and expects every order decided as its kind was built for.
    func expectDecided() {
        #expect(finished.wait(timeout: .now() + 60) == .success, "the background load did not finish in 60 s")
        guard let report = report.withLock({ $0 }) else { return }
        #expect(
            report.outcomes["approved", default: 0] + report.outcomes["rejected", default: 0] == orders, "\(report)")
        #expect(report.unexpected == 0, "\(report.outcomes)")
    }
}

/// Pauses executors (SIGSTOP) at a moment the queue has an order leased, so that the queue sees the lease end.
private struct ExecutorFaults {
    let supervisor: ClusterSupervisor
    let config: ClusterConfig
    let probe: ExecutorProbe
    let queue: RPCClient

    init(supervisor: ClusterSupervisor, config: ClusterConfig) {
        self.supervisor = supervisor
        self.config = config
        self.probe = ExecutorProbe(settings: config.executors, credential: supervisor.credential)
        self.queue = RPCClient(
            peer: "queue", baseURL: config.queue.url, recorder: TraceRecorder(node: "test", writer: nil),
            logger: quietLogger, defaultDeadline: .seconds(2), propagatesContext: false,
            credential: supervisor.credential)
    }

    /// Every executor paused past the lease duration: the next lease or ack call finds the lease expired.
    func expireALease() throws {
        let executors = config.executors.replicas.map(\.node)
        try pauseWhileLeased(executors) { _ in true }
        Thread.sleep(forTimeInterval: Double(config.executors.leaseMs + 300) / 1000)
        for node in executors { supervisor.signal(SIGCONT, to: node) }
        try waitForQueueMetric("bookstore_queue_lease_expirations_total")
    }

    /// The leader paused while it holds a lease: a new leader is elected (after a heartbeat timeout) and its
    /// first lease call revokes the old epoch's lease; the old leader, resumed, is fenced.
    func revokeALease(startingFrom first: ExecutorStatus) throws {
        let leader = probe.leader() ?? first
        try pauseWhileLeased([leader.node]) { $0 == leader.id }
        defer { supervisor.signal(SIGCONT, to: leader.node) }
        _ = try #require(
            probe.waitForNewLeader(excluding: leader.id, after: leader.epoch, timeout: .seconds(5)),
            "no new leader while \(leader.node) is paused")
        try waitForQueueMetric("bookstore_queue_lease_revocations_total")
    }

    /// Stops `nodes`; resumes and retries until, while they are stopped, the queue shows a lease held by an
    /// executor (by id) that `holder` accepts.
    private func pauseWhileLeased(_ nodes: [String], holder: (Int) -> Bool) throws {
        for _ in 0..<300 {
            for node in nodes { supervisor.signal(SIGSTOP, to: node) }
            let snapshot = try queue.call(QueueRPC.inspect, NoPayload())
            if snapshot.leases.contains(where: { holder($0.executor) }) { return }
            for node in nodes { supervisor.signal(SIGCONT, to: node) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        try #require(Bool(false), "the queue never had a lease of \(nodes) to interrupt (no backlog?)")
    }

    /// Polls the queue's own `/metrics` until `name` appears (bounded).
    private func waitForQueueMetric(_ name: String) throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let response = try queue.request("GET", "/metrics")
            if String(decoding: response.body, as: UTF8.self).contains("\n\(name){") { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("the queue never reported \(name)")
    }
}

// MARK: - Prometheus

/// A Prometheus server started for the test, with its HTTP API.
private final class PrometheusServer {
    let process: Process
    let logPath: String
    let client: RPCClient

    private init(process: Process, logPath: String, port: Int) {
        self.process = process
        self.logPath = logPath
        self.client = RPCClient(
            peer: "prometheus", baseURL: "http://127.0.0.1:\(port)", recorder: TraceRecorder(node: "test", writer: nil),
            logger: quietLogger, defaultDeadline: .seconds(5), propagatesContext: false)
    }

    /// Starts `prometheus` with `config` on loopback, storing into `storage` and logging to `log`.
    static func start(config: String, storage: String, log: String, port: Int) throws -> PrometheusServer {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: prometheusExecutable)
        process.arguments = [
            "--config.file=\(config)", "--storage.tsdb.path=\(storage)", "--web.listen-address=127.0.0.1:\(port)",
        ]
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return PrometheusServer(process: process, logPath: log, port: port)
    }

    /// Waits until `/-/ready` answers 200.
    func waitUntilReady(timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            try #require(process.isRunning, "prometheus exited: \(logTail())")
            if let response = try? client.request("GET", "/-/ready", deadline: .milliseconds(500)),
                response.status == 200
            {
                return
            }
            try #require(ContinuousClock.now < deadline, "prometheus not ready: \(logTail())")
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Waits until every target's latest scrape is more than 1.5 scrape intervals (1 s) after `time`: two scrapes.
    func waitForScrapes(after time: TimeInterval, timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let result = try query("min(timestamp(up))")
            let latest = (result.first?["value"] as? [Any])?.last.flatMap { Double("\($0)") } ?? 0
            if latest > time + 1.5 { return }
            try #require(ContinuousClock.now < deadline, "Prometheus did not scrape twice after the load: \(result)")
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// The instant query's result vector; throws if Prometheus rejects the expression.
    func query(_ expression: String) throws -> [[String: Any]] {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: allowed) ?? expression
        let response = try client.request("GET", "/api/v1/query?query=\(encoded)")
        let body = jsonObject(response.body) ?? [:]
        guard response.status == 200, body["status"] as? String == "success" else {
            let reason = body["error"] ?? String(decoding: response.body, as: UTF8.self)
            throw PrometheusError(message: "HTTP \(response.status): \(reason)")
        }
        return (body["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
    }

    /// What is wrong with the scrape targets: not exactly `expected` (host:port), or not all up.
    func targetProblems(expected: Set<String>) throws -> [String] {
        let response = try client.request("GET", "/api/v1/targets?state=active")
        let data = jsonObject(response.body)?["data"] as? [String: Any]
        let targets = data?["activeTargets"] as? [[String: Any]] ?? []
        var problems: [String] = []
        let instances = targets.compactMap { ($0["labels"] as? [String: Any])?["instance"] as? String }
        if Set(instances) != expected || instances.count != expected.count {
            problems.append("targets \(instances.sorted()), expected \(expected.sorted())")
        }
        for target in targets where target["health"] as? String != "up" {
            let labels = target["labels"] as? [String: Any] ?? [:]
            problems.append(
                "target \(labels["instance"] ?? "?") is \(target["health"] ?? "?"): \(target["lastError"] ?? "")")
        }
        let up = try query("up == 1")
        if up.count != expected.count { problems.append("up == 1 for \(up.count) of \(expected.count) targets") }
        return problems
    }

    /// The last lines of the server's log.
    func logTail(lines: Int = 8) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// SIGTERM, then SIGKILL if it has not exited within 5 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

private struct PrometheusError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
