import Cluster
import ClusterProtocol
import Foundation
import RPC
import Services
import Testing
import TraceFormat
import TestTimeLimits

/// The `/metrics` exposition: HELP on every family, counters as counters with `_total`, base units, the
/// `bookstore_` prefix, the node's own `service`/`node` labels, process metrics; clean under `promtool check metrics`.
@Suite("Metrics exposition")
struct MetricsExpositionTests {
    @Test(.disabled(if: Promtool.mayBeSkipped, Promtool.skipReason))
    func everyCatalogFamilyPassesPromtoolCheckMetrics() throws {
        let host = ServiceHost(
            node: "executor-2", recorder: TraceRecorder(node: "executor-2", writer: nil), logger: quietLogger)
        for definition in MetricCatalog.all {
            switch definition.kind {
            case .counter: host.metrics.counter(definition.label, [("outcome", "ok")]).increment()
            case .gauge: host.metrics.gauge(definition.label).record(3)
            case .histogram where definition.label.hasSuffix("_seconds"):
                host.metrics.timer(definition.label, [("method", "m")]).recordMilliseconds(12)
            case .histogram: host.metrics.histogram(definition.label).record(0.25)
            }
        }
        let text = String(decoding: host.scrape(), as: UTF8.self)
        let result = try Promtool.run(["check", "metrics"], input: Data(text.utf8))
        #expect(result.status == 0, "promtool check metrics:\n\(result.output)\n\(text)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(result.output)")

        let families = Exposition(text)
        let expected = Set(MetricCatalog.all.map(\.name)).union([
            "bookstore_trace_events_written_total", "bookstore_trace_events_dropped_total",
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
        ])
        #expect(expected.isSubset(of: Set(families.types.keys)), "\(expected.subtracting(families.types.keys))")
        #expect(
            families.problems(service: "executor", node: "executor-2").isEmpty,
            "\(families.problems(service: "executor", node: "executor-2"))")
    }

    @Test(.disabled(if: Promtool.mayBeSkipped, Promtool.skipReason), .runningTimeLimit(.seconds(60)))
    func everyNodeOfARunningClusterServesLintCleanMetrics() throws {
        let traces = temporaryPath("metrics-run")
        defer { try? FileManager.default.removeItem(atPath: traces) }
        let cluster = try InProcessCluster(tracesDirectory: traces) { $0.fraudModel = fraudModelPath }
        defer { cluster.stop() }
        let checkout = orchestratorClient(cluster.orchestratorURL)
        for _ in 0..<3 {
            let reply = try checkout.request("POST", "/checkout", body: Data(courseBody().utf8))
            #expect(reply.status == 200)
        }
        for role in ServiceRole.allCases {
            let endpoint = cluster.config.endpoint(of: role)
            let client = RPCClient(
                peer: endpoint.id, baseURL: endpoint.url, recorder: TraceRecorder(node: "test", writer: nil),
                logger: quietLogger, propagatesContext: false, credential: ServiceHost.processCredential)
            let response = try client.request("GET", "/metrics")
            #expect(response.status == 200, "\(role)")
            let text = String(decoding: response.body, as: UTF8.self)
            let result = try Promtool.run(["check", "metrics"], input: response.body)
            #expect(result.status == 0, "\(role): promtool check metrics:\n\(result.output)")
            #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(role): \(result.output)")
            let families = Exposition(text)
            let problems = families.problems(service: role.rawValue, node: endpoint.id)
            #expect(problems.isEmpty, "\(role): \(problems)")
            #expect(families.types["bookstore_rpc_server_requests_total"] == "counter", "\(role)")
            #expect((families.values["bookstore_trace_events_written_total"] ?? 0) > 0, "\(role)")
            #expect((families.values["process_cpu_seconds_total"] ?? -1) >= 0, "\(role)")
            #expect((families.values["process_open_fds"] ?? 0) > 0, "\(role)")
        }
        let queue = cluster.config.endpoint(of: .queue)
        let text = try RPCClient(
            peer: "queue", baseURL: queue.url, recorder: TraceRecorder(node: "test", writer: nil), logger: quietLogger,
            propagatesContext: false
        ).request("GET", "/metrics").body
        let families = Exposition(String(decoding: text, as: UTF8.self))
        #expect(families.types["bookstore_queue_oldest_waiting_seconds"] == "gauge")
        #expect(families.types["bookstore_queue_depth"] == "gauge")
    }

    @Test func everyMetricTheSourcesRecordIsDescribedInTheCatalogWithItsType() throws {
        let pattern = try Regex(#"\.(counter|gauge|timer|histogram)\("([a-z_]+)""#)
        let sources = packageRoot.appendingPathComponent("Sources/Runtime")
        let files =
            FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") } ?? []
        var seen = 0
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: pattern) {
                let call = String(text[match.output[1].range!])
                let label = String(text[match.output[2].range!])
                seen += 1
                let definition = MetricCatalog.definitions[label]
                #expect(definition != nil, "\(file): \(label) is not in MetricCatalog")
                let kind: MetricDefinition.Kind =
                    switch call {
                    case "counter": .counter
                    case "gauge": .gauge
                    default: .histogram
                    }
                #expect(definition == nil || definition?.kind == kind, "\(file): \(label) is a \(call)")
            }
        }
        #expect(seen >= 25, "found only \(seen) metric call sites: the pattern no longer matches the code")
        for definition in MetricCatalog.all {
            #expect(definition.kind != .counter || definition.label.hasSuffix("_total"), "\(definition.label)")
            #expect(!definition.help.isEmpty && definition.help.hasSuffix("."), "\(definition.label)")
        }
    }

    @Test func processStatisticsAreReadFromAProcStatLine() throws {
        // A command name with spaces and parentheses: fields are counted after the last `)`.
        let stat =
            "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 150 0 0 20 0 9 0 1000 104857600 2048 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
        let statistics = try #require(
            ProcessStatistics.parse(stat: stat, bootTime: 1_700_000_000, ticksPerSecond: 100, pageSize: 4096))
        #expect(statistics.cpuSeconds == 4)
        #expect(statistics.residentBytes == 2048 * 4096)
        #expect(statistics.virtualBytes == 104_857_600)
        #expect(statistics.startTimeSeconds == 1_700_000_010)
        #expect(ProcessStatistics.parse(stat: "garbage", bootTime: 0, ticksPerSecond: 100, pageSize: 4096) == nil)
        #expect(ProcessStatistics.bootTime(procStat: "cpu 1 2 3\nbtime 1699999999\nprocesses 5\n") == 1_699_999_999)

        let current = try #require(ProcessStatistics.current(), "/proc/self/stat is not readable")
        #expect(current.residentBytes > 1_000_000)
        #expect((current.openFileDescriptors ?? 0) >= 3)
        #expect(current.startTimeSeconds <= Date().timeIntervalSince1970 + 1)
    }

    @Test func aNodesServiceIsItsIdWithoutTheReplicaNumber() {
        #expect(ServiceHost.service(ofNode: "executor-12") == "executor")
        #expect(ServiceHost.service(ofNode: "queue") == "queue")
        #expect(ServiceHost.service(ofNode: "east-queue") == "east-queue")
        #expect(ServiceHost.service(ofNode: "executor-") == "executor-")
    }
}

/// The families of a text exposition: types, HELP texts, the first value of each, and every sample's labels.
struct Exposition {
    var types: [String: String] = [:]
    var helps: [String: String] = [:]
    var values: [String: Double] = [:]
    var samples: [(family: String, line: String)] = []

    init(_ text: String) {
        for line in text.split(separator: "\n").map(String.init) {
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            if line.hasPrefix("# TYPE "), parts.count >= 4 {
                types[parts[2]] = parts[3]
            } else if line.hasPrefix("# HELP "), parts.count >= 4 {
                helps[parts[2]] = parts[3]
            } else if !line.hasPrefix("#"), !line.isEmpty {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                let family = types.keys.filter { name.hasPrefix($0) }.max { $0.count < $1.count } ?? name
                samples.append((family, line))
                if values[name] == nil, let value = line.split(separator: " ").last.flatMap({ Double($0) }) {
                    values[name] = value
                }
            }
        }
    }

    /// What breaks the conventions: a family without HELP, a counter without `_total`, a name outside
    /// `bookstore_`/`process_`, a series without the node's `service` and `node` labels.
    func problems(service: String, node: String) -> [String] {
        var problems: [String] = []
        for (name, type) in types.sorted(by: { $0.key < $1.key }) {
            if (helps[name] ?? "").isEmpty { problems.append("\(name) has no HELP") }
            if type == "counter", !name.hasSuffix("_total") { problems.append("counter \(name) lacks _total") }
            if !name.hasPrefix("bookstore_"), !name.hasPrefix("process_") { problems.append("\(name): prefix") }
        }
        for sample in samples
        where !sample.line.contains("service=\"\(service)\"") || !sample.line.contains("node=\"\(node)\"") {
            problems.append("no service/node labels: \(sample.line)")
        }
        return problems
    }
}
