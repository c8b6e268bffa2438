import ClusterProtocol
import Foundation
import TraceFormat

/// Latencies in logarithmic buckets (8 per power of two, about 9% wide): bounded memory, deterministic.
struct LatencyHistogram {
    private var buckets: [Int: Int] = [:]
    private(set) var count = 0
    private(set) var maximum: Int64 = 0

    private static func bucket(_ nanos: Int64) -> Int {
        nanos > 1 ? Int(Foundation.log2(Double(nanos)) * 8) : 0
    }

    private static func upperBound(_ bucket: Int) -> Int64 { Int64(Foundation.pow(2, Double(bucket + 1) / 8)) }

    mutating func add(_ nanos: Int64) {
        count += 1
        maximum = max(maximum, nanos)
        buckets[Self.bucket(nanos), default: 0] += 1
    }

    /// The upper bound of the bucket holding quantile `q` (0…1).
    func quantile(_ q: Double) -> Int64 {
        guard count > 0 else { return 0 }
        let target = Int((Double(count) * q).rounded(.up))
        var seen = 0
        for key in buckets.keys.sorted() {
            seen += buckets[key]!
            if seen >= max(1, target) { return min(Self.upperBound(key), maximum) }
        }
        return maximum
    }
}

/// Counts for `trace-analyzer summary`, gathered in one streaming pass.
public final class RunSummary {
    struct NodeStats {
        var events = 0
        var pids: [Int32] = []
        var first: Int64 = .max
        var last: Int64 = .min
    }

    private var nodes: [String: NodeStats] = [:]
    private var kinds: [String: Int] = [:]
    private var decisions: [String: Int] = [:]
    private var executed: [String: Int] = [:]
    private var redelivered = 0
    private var latency: [String: LatencyHistogram] = [:]
    private var failures: [String: Int] = [:]
    private var claims: [(epoch: String, node: String, at: Int64)] = []
    private var start: Int64 = .max
    private var end: Int64 = .min
    private var events = 0

    public init() {}

    public func observe(_ event: RunEvent) {
        let e = event.event
        events += 1
        start = min(start, e.wallTimeNanos)
        end = max(end, e.wallTimeNanos)
        var stats = nodes[e.node] ?? NodeStats()
        stats.events += 1
        if stats.pids.last != e.pid { stats.pids.append(e.pid) }
        stats.first = min(stats.first, e.wallTimeNanos)
        stats.last = max(stats.last, e.wallTimeNanos)
        nodes[e.node] = stats
        kinds[e.kind.rawValue, default: 0] += 1
        switch e.kind {
        case .orderDecision: decisions[e.payload(OrderDecision.self)?.status ?? "?", default: 0] += 1
        case .executorCommit: executed[e.payload(ExecutorCommit.self)?.outcome ?? "?", default: 0] += 1
        case .queueLease: if (e.payload(QueueLease.self)?.delivery ?? 1) > 1 { redelivered += 1 }
        case .rpcReplyReceive:
            if let reply = e.payload(RPCReplyReceive.self), let method = reply.method, let nanos = reply.durationNanos {
                latency[method, default: LatencyHistogram()].add(nanos)
            }
        case .rpcFailure: failures[e.payload(RPCFailure.self)?.method ?? "?", default: 0] += 1
        case .electionLeader:
            if let leader = e.payload(ElectionLeader.self), leader.isSelf == true, let epoch = leader.epoch {
                claims.append((epoch.description, e.node, e.wallTimeNanos))
            }
        default: break
        }
    }

    /// The summary as text (fits 120 columns), with the check results when given.
    public func text(directory: String, health: [FileHealth], checks: CheckReport?) -> String {
        var lines: [String] = []
        let span = end >= start ? TextLayout.duration(end - start) : "0 µs"
        lines.append("run \(directory): \(nodes.count) nodes, \(events) events, \(span) of wall time")
        lines.append("")
        lines.append("nodes                  events  processes  first        last         file")
        let healthByNode = Dictionary(health.map { ($0.node, $0) }, uniquingKeysWith: { a, _ in a })
        for node in nodes.keys.sorted() {
            let stats = nodes[node]!
            let file =
                healthByNode[node].map { health in
                    if health.corrupt { return "damaged, resumed" }
                    if health.truncated { return "not closed" }
                    return health.malformedCount > 0 ? "malformed lines" : "clean"
                } ?? "-"
            lines.append(
                "  " + TextLayout.pad(node, 18) + TextLayout.pad(String(stats.events), 8, right: true)
                    + TextLayout.pad(String(stats.pids.count), 11, right: true) + "  "
                    + TextLayout.pad("+" + TextLayout.duration(stats.first - start), 13)
                    + TextLayout.pad("+" + TextLayout.duration(stats.last - start), 13) + file)
        }
        lines.append("")
        let decided = decisions.values.reduce(0, +)
        let byStatus = decisions.keys.sorted().map { "\($0) \(decisions[$0]!)" }.joined(separator: ", ")
        lines.append("orders: \(decided) decided (\(byStatus.isEmpty ? "none" : byStatus))")
        let outcomes = executed.keys.sorted().map { "\($0) \(executed[$0]!)" }.joined(separator: ", ")
        lines.append("        executed: \(outcomes.isEmpty ? "none" : outcomes); redeliveries \(redelivered)")
        if let info = checks?.result("exactly-once")?.info, let waiting = info["waiting in the durable queue"] {
            lines.append(
                "        at the end: \(waiting) waiting in the durable queue, \(info["lost"] ?? 0) lost; "
                    + "\(info["carried from an earlier run"] ?? 0) carried from an earlier run")
        }
        lines.append("")
        lines.append("rpc latency (client side)      calls         p50         p99         max  failures")
        for method in Set(latency.keys).union(failures.keys).sorted() {
            let histogram = latency[method] ?? LatencyHistogram()
            lines.append(
                "  " + TextLayout.pad(method, 26) + TextLayout.pad(String(histogram.count), 9, right: true)
                    + TextLayout.pad(TextLayout.duration(histogram.quantile(0.5)), 12, right: true)
                    + TextLayout.pad(TextLayout.duration(histogram.quantile(0.99)), 12, right: true)
                    + TextLayout.pad(TextLayout.duration(histogram.maximum), 12, right: true)
                    + TextLayout.pad(String(failures[method] ?? 0), 10, right: true))
        }
        lines.append("")
        lines.append("leader terms (claims)")
        if claims.isEmpty { lines.append("  none") }
        for (index, claim) in claims.enumerated() {
            let until = index + 1 < claims.count ? claims[index + 1].at : end
            lines.append(
                "  epoch " + TextLayout.pad(claim.epoch, 8) + TextLayout.pad(claim.node, 14) + "from +"
                    + TextLayout.pad(TextLayout.duration(claim.at - start), 12) + "for "
                    + TextLayout.duration(until - claim.at))
        }
        if let checks {
            lines.append("")
            lines.append("checks")
            for check in checks.checks {
                lines.append(
                    "  " + TextLayout.pad("\(check.number). \(check.name)", 28) + TextLayout.pad(check.status, 5)
                        + "\(check.violations) violations, \(check.warnings) warnings")
            }
            lines.append(checks.passed ? "  OK: no violation" : "  FAILED: \(checks.violationCount) violations")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same as JSON-ready data.
    public func data(health: [FileHealth], checks: CheckReport?) -> SummaryData {
        SummaryData(
            events: events, wallTimeNanos: end >= start ? end - start : 0,
            nodes: nodes.keys.sorted().map { node in
                let stats = nodes[node]!
                return .init(node: node, events: stats.events, processes: stats.pids.count)
            },
            decisions: decisions, executed: executed, redeliveries: redelivered,
            rpc: Set(latency.keys).union(failures.keys).sorted().map { method in
                let histogram = latency[method] ?? LatencyHistogram()
                return .init(
                    method: method, calls: histogram.count, p50Nanos: histogram.quantile(0.5),
                    p99Nanos: histogram.quantile(0.99), maxNanos: histogram.maximum, failures: failures[method] ?? 0)
            },
            leaderTerms: claims.map { .init(epoch: $0.epoch, leader: $0.node, atNanos: $0.at - start) },
            checks: checks?.checks.map {
                .init(
                    name: $0.name, status: $0.status, violations: $0.violations,
                    warnings: $0.warnings)
            } ?? [])
    }
}

/// `trace-analyzer summary --format json`.
public struct SummaryData: Codable, Sendable {
    public struct Node: Codable, Sendable {
        var node: String
        var events: Int
        var processes: Int
    }
    public struct RPC: Codable, Sendable {
        var method: String
        var calls: Int
        var p50Nanos: Int64
        var p99Nanos: Int64
        var maxNanos: Int64
        var failures: Int
    }
    public struct Term: Codable, Sendable {
        var epoch: String
        var leader: String
        var atNanos: Int64
    }
    public struct Check: Codable, Sendable {
        var name: String
        var status: String
        var violations: Int
        var warnings: Int
    }
    public var events: Int
    public var wallTimeNanos: Int64
    public var nodes: [Node]
    public var decisions: [String: Int]
    public var executed: [String: Int]
    public var redeliveries: Int
    public var rpc: [RPC]
    public var leaderTerms: [Term]
    public var checks: [Check]
}
