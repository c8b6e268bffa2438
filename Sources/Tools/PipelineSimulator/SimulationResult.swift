import ClusterProtocol
import Foundation
import TraceAnalysis
import TraceFormat

/// The outcome of one simulated run, judged by `TraceAnalysis`'s checks in memory.
public struct SimulationResult: Sendable {
    public let seed: UInt64
    public let options: SimulationOptions
    /// Every event of the run, as the nodes recorded them.
    public let events: [TraceEvent]
    /// The checks' verdict on `events`.
    public let report: CheckReport
    /// Failures the checks do not see (an order not committed exactly once at the end, a stuck run).
    public let problems: [String]
    /// Executors in the run, and slots per leader.
    public let executors: Int
    public let slots: Int
    /// Lease requests the queue held (long polls), and how many of them it answered with a lease: evidence the
    /// held polls are exercised.
    public var heldLeases = (held: 0, leased: 0)
    /// Followers' watches the leaders held, and how many a leader's crash broke: evidence the watches are exercised.
    public var heldWatches = (held: 0, broken: 0)

    /// True when the run has no violation and no problem.
    public var passed: Bool { report.passed && problems.isEmpty }

    /// Acks the queue answered `already_committed` (a retried or duplicated ack of a committed order) and acks an
    /// executor gave up on (`executor.commit` with outcome `unanswered`): evidence the reply faults bite.
    public var ackTally: (alreadyCommitted: Int, unanswered: Int) {
        var tally = (alreadyCommitted: 0, unanswered: 0)
        for event in events {
            switch event.kind {
            case QueueAckRefused.kind:
                if event.data["outcome"]?.stringValue == "already_committed" { tally.alreadyCommitted += 1 }
            case ExecutorCommit.kind:
                if event.data["outcome"]?.stringValue == ExecutorCommit.unanswered { tally.unanswered += 1 }
            default:
                break
            }
        }
        return tally
    }

    /// One paragraph: what failed (violations with their first steps, problems).
    public var failureSummary: String {
        var lines: [String] = []
        for check in report.checks where check.violations > 0 {
            lines.append("\(check.name): \(check.violations) violation(s)")
            for finding in check.findings.filter({ $0.severity == .violation }).prefix(3) {
                lines.append("  - \(finding.title)")
                for step in finding.steps.prefix(4) { lines.append("      \(step)") }
            }
        }
        lines += problems.map { "problem: \($0)" }
        return lines.joined(separator: "\n")
    }

    /// Writes the run as trace files (`<directory>/<node>.jsonl.gz`, gzip JSONL through `TraceFileWriter`), so
    /// `trace-analyzer check <directory>` opens it.
    public func writeTraces(to directory: String) throws {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var writers: [String: TraceFileWriter] = [:]
        for event in events {
            if writers[event.node] == nil {
                writers[event.node] = try TraceFileWriter(
                    path: TraceRecorder.path(node: event.node, directory: directory))
            }
            writers[event.node]!.append(event)
        }
        for writer in writers.values { writer.close() }
    }
}

extension PipelineRun {
    func result() -> SimulationResult {
        var problems = self.problems
        var commits: [String: Int] = [:]
        for event in events where event.kind.rawValue == "queue.commit" {
            if let order = event.data["order"]?.stringValue { commits[order, default: 0] += 1 }
        }
        for order in orders where commits[order.id] != 1 {
            problems.append("order \(order.id) was committed \(commits[order.id] ?? 0) time(s), not once")
        }
        let report = CheckEngine.check(events)
        var result = SimulationResult(
            seed: options.seed, options: options, events: events, report: report, problems: problems,
            executors: ids.count, slots: work.slots)
        result.heldLeases = heldLeaseTally
        result.heldWatches = heldWatchTally
        return result
    }
}
