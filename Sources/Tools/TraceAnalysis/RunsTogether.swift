/// Checks consecutive runs on the same durable queue together (`trace-analyzer check RUN1 --then RUN2`): every order
/// left waiting at the end of a run is committed exactly once in the next run (or still waits at its end), and
/// no order is committed in both.
public enum RunsTogether {
    /// The cross-run result (check 11) for `earlier` followed by `later`.
    public static func check(_ earlier: CheckReport, then later: CheckReport, keptFindings: Int = 20) -> CheckResult {
        var findings: [Finding] = []
        var violations = 0
        func violation(_ title: String, rule: String, steps: [String]) {
            violations += 1
            guard findings.count < keptFindings else { return }
            var finding = FindingBuilder(check: name, severity: .violation, title: title, rule: rule)
            for step in steps { finding.step(step) }
            findings.append(finding.finding)
        }
        var commitsLater: [String: Int] = [:]
        for order in later.ledger.committed { commitsLater[order, default: 0] += 1 }
        let waitingLater = Set(later.ledger.waiting)
        var resumed = 0
        for order in earlier.ledger.waiting {
            let commits = commitsLater[order] ?? 0
            if commits == 1 {
                resumed += 1
            } else if commits == 0 && !waitingLater.contains(order) {
                violation(
                    "order \(EventDescriber.shortID(order)) waited at the end of the first run and was lost",
                    rule: "an order left waiting in the durable queue is committed in the next run or still waits",
                    steps: [
                        "The first run ended with order \(order) waiting in the durable queue.",
                        "However the next run neither commits it nor ends with it waiting.",
                    ])
            }
        }
        let committedEarlier = Set(earlier.ledger.committed)
        for order in Set(later.ledger.committed).intersection(committedEarlier).sorted() {
            violation(
                "order \(EventDescriber.shortID(order)) was committed in both runs",
                rule: "exactly-once across runs: an order committed in one run is never committed again",
                steps: [
                    "The first run commits order \(order) at the queue.",
                    "However the next run commits it again.",
                ])
        }
        return CheckResult(
            number: 11, name: name, title: "orders left waiting are committed once in the next run",
            examined: earlier.ledger.waiting.count + later.ledger.committed.count, violations: violations,
            warnings: 0,
            info: [
                "waiting after the first run": earlier.ledger.waiting.count, "resumed": resumed,
                "still waiting": earlier.ledger.waiting.filter(waitingLater.contains).count,
            ],
            findings: findings, omitted: violations - findings.count)
    }

    static let name = "runs-together"
}
