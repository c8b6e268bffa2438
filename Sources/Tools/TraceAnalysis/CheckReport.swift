import Foundation
import TraceFormat

/// The outcome of one check.
public struct CheckResult: Sendable, Codable, Equatable {
    public var number: Int
    public var name: String
    public var title: String
    /// Events this check looked at.
    public var examined: Int
    public var violations: Int
    public var warnings: Int
    /// Informational counts (for example receives from external clients).
    public var info: [String: Int]
    /// The first findings of each severity, explained (`--max-findings` per severity).
    public var findings: [Finding]
    /// Findings counted but not kept because of the `--max-findings` bound (never silently: the text report says
    /// "… N more findings not shown", the JSON report carries this count).
    public var omitted = 0

    public var status: String { violations > 0 ? "FAIL" : warnings > 0 ? "warn" : "ok" }
}

/// Everything `trace-analyzer check` found.
public struct CheckReport: Sendable, Encodable, Equatable {
    public var events: Int
    public var files: [FileHealth]
    /// True when reading stopped early (`--limit`): end-of-run checks were skipped.
    public var partial: Bool
    public var checks: [CheckResult]
    /// The orders as the durable queue saw them (for `RunsTogether`); not part of the JSON report.
    public var ledger = OrderLedger()

    enum CodingKeys: String, CodingKey {
        case events, files, partial, checks
    }

    public init(events: Int, files: [FileHealth], partial: Bool, checks: [CheckResult], ledger: OrderLedger = .init()) {
        self.events = events
        self.files = files
        self.partial = partial
        self.checks = checks
        self.ledger = ledger
    }

    public var violationCount: Int { checks.reduce(0) { $0 + $1.violations } }
    public var warningCount: Int { checks.reduce(0) { $0 + $1.warnings } }
    /// True when no check found a violation (warnings do not fail a run).
    public var passed: Bool { violationCount == 0 }

    /// Why the run cannot be verified: files that are not gzip, cannot be read, or hold an unsupported format
    /// version (their events are missing, so the checks cannot vouch for the run).
    public var unverifiable: [String] { files.compactMap(\.unverifiable) }

    /// The process exit status of `trace-analyzer check`: 0 when every check holds, 1 on a violation, 2 when the
    /// run is unverifiable (a file could not be read as a trace).
    public var exitStatus: Int32 {
        if !unverifiable.isEmpty { return 2 }
        return passed ? 0 : 1
    }

    /// The result of the check named `name`.
    public func result(_ name: String) -> CheckResult? { checks.first { $0.name == name } }

    /// Keeps only findings that involve one of `nodes` and/or an event of `order` (counts are unchanged).
    public func filteringFindings(nodes: Set<String>, order: String?) -> CheckReport {
        guard !nodes.isEmpty || order != nil else { return self }
        var copy = self
        copy.checks = checks.map { result in
            var result = result
            result.findings = result.findings.filter { finding in
                (nodes.isEmpty || !finding.nodes.isDisjoint(with: nodes))
                    && (order.map { order in
                        finding.events.contains { $0.summary.contains(String(order.prefix(8))) }
                            || finding.title.contains(order)
                    } ?? true)
            }
            return result
        }
        return copy
    }

    /// The report for a terminal or a CI log.
    public func text() -> String {
        var lines: [String] = []
        let nodes = files.map(\.node).joined(separator: ", ")
        lines += TextLayout.wrap(
            "run: \(files.count) files (\(nodes)), \(events) events" + (partial ? " (partial read)" : ""),
            width: 120, indent: "     ")
        for file in files where !file.problems.isEmpty {
            let state = file.truncated && !file.corrupt ? "did not close its trace" : "damaged"
            lines.append("file \(file.path): \(state)")
            lines += file.problems.prefix(5).map { "  \($0)" }
        }
        lines.append("")
        for check in checks {
            let counts = "\(check.examined) events, \(check.violations) violations, \(check.warnings) warnings"
            let info = check.info.keys.sorted().map { "\($0) \(check.info[$0]!)" }.joined(separator: ", ")
            lines += TextLayout.wrap(
                "\(TextLayout.pad(String(check.number), 2, right: true)). \(TextLayout.pad(check.name, 24)) "
                    + "\(TextLayout.pad(check.status, 4))  \(counts)" + (info.isEmpty ? "" : "; \(info)"),
                width: 120, indent: String(repeating: " ", count: 36))
        }
        for check in checks where !check.findings.isEmpty {
            lines.append("")
            lines.append("== \(check.number). \(check.name): \(check.title)")
            for finding in check.findings {
                lines += finding.textLines()
                lines.append("")
            }
            if check.omitted > 0 {
                lines.append("  … \(check.omitted) more findings not shown (--max-findings; 0 shows all)")
            }
        }
        lines.append("")
        if !unverifiable.isEmpty {
            lines += unverifiable.map { "unverifiable: \($0)" }
            lines.append("UNVERIFIABLE: \(violationCount) violations, \(warningCount) warnings in what could be read")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append(
            passed
                ? "OK: no violation (\(warningCount) warnings)"
                : "FAILED: \(violationCount) violations, \(warningCount) warnings")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same as data.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        struct Document: Encodable {
            var passed: Bool
            var unverifiable: [String]
            var violations: Int
            var warnings: Int
            var report: CheckReport
        }
        let document = Document(
            passed: passed && unverifiable.isEmpty, unverifiable: unverifiable, violations: violationCount,
            warnings: warningCount, report: self)
        return String(decoding: (try? encoder.encode(document)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}
