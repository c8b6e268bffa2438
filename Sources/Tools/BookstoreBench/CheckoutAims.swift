import Foundation

/// Issue 15's checkout aims, judged on one `bookstore-bench checkout` run: each aim with what the run measured and
/// by how much it is met or missed. Only figures the run measured are judged (an aim whose row was not run is left
/// out).
enum CheckoutAims {
    /// One aim and its verdict.
    struct Verdict: Codable, Equatable {
        var aim: String
        var measured: String
        /// True when the aim is met.
        var met: Bool
        /// How far off a missed aim is ("5.4× short", "+31 % over"); empty when met.
        var shortBy: String
        /// The same figure of the row's baseline in this run, when it has one (what the host gives any request).
        var baseline: String?
    }

    static let checkoutRate = 3000.0
    static let checkoutP99Ms = 10.0
    static let openRate = 1000.0
    static let openP99Ms = 5.0
    static let tracingCost = 0.10
    static let cpuPerCheckoutMs = 0.6

    static func verdicts(_ results: CheckoutBenchmark.Results, most: Int) -> [Verdict] {
        var verdicts: [Verdict] = []
        let traced = results.rows.first { $0.scenario == "POST /checkout, tracing on" && $0.clients == most }
        if let traced {
            verdicts.append(
                atLeast("checkout ≥ 3,000/s, \(most) clients, traced", traced.perSecond, checkoutRate, "/s"))
            verdicts.append(atMost("checkout p99 ≤ 10 ms, \(most) clients, traced", traced.p99Ms, checkoutP99Ms, " ms"))
        }
        let openRows = results.rows.filter { $0.intendedRate != nil }
        if let open = openRows.first(where: { $0.scenario.hasPrefix("POST /checkout") }), let rate = open.intendedRate,
            rate >= openRate
        {
            verdicts.append(
                atLeast("open loop \(Int(rate))/s: achieved ≥ 99 % of it", open.perSecond, rate * 0.99, "/s"))
            var p99 = atMost("open loop \(Int(rate))/s: p99 ≤ 5 ms", open.p99Ms, openP99Ms, " ms")
            if let floor = openRows.first(where: { $0.scenario.hasPrefix("baseline") }) {
                p99.baseline = String(format: "GET /healthz on the same schedule: p99 %.2f ms", floor.p99Ms)
            }
            verdicts.append(p99)
        }
        if let traced, let untraced = results.rows.first(where: { $0.scenario == "POST /checkout, tracing off" }),
            untraced.perSecond > 0
        {
            let cost = 1 - traced.perSecond / untraced.perSecond
            verdicts.append(
                Verdict(
                    aim: "tracing cost ≤ 10 % of throughput", measured: String(format: "%.1f %%", cost * 100),
                    met: cost <= tracingCost,
                    shortBy: cost <= tracingCost ? "" : String(format: "%.1f points over", (cost - tracingCost) * 100)))
        }
        let label = "\(most) client\(most == 1 ? "" : "s")"
        if let column = results.cpu.columns.first(where: { $0.scenario == label }) {
            let total = column.cells.reduce(0) { $0 + $1.msPerCheckout }
            verdicts.append(
                atMost("CPU per checkout ≤ 0.6 ms, all processes, \(label)", total, cpuPerCheckoutMs, " ms"))
        }
        return verdicts
    }

    /// The verdict lines of the text report.
    static func lines(_ verdicts: [Verdict]) -> [String] {
        guard !verdicts.isEmpty else { return [] }
        return ["Aims (issue 15), judged on this run:"]
            + verdicts.map { verdict in
                "  " + verdict.aim.padding(toLength: 52, withPad: " ", startingAt: 0)
                    + verdict.measured.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + (verdict.met ? "met" : "not met (\(verdict.shortBy))")
                    + (verdict.baseline.map { "; \($0)" } ?? "")
            }
    }

    private static func atLeast(_ aim: String, _ measured: Double, _ target: Double, _ unit: String) -> Verdict {
        let met = measured >= target
        let factor = measured > 0 ? target / measured : .infinity
        return Verdict(
            aim: aim, measured: String(format: "%.0f", measured) + unit, met: met,
            shortBy: met ? "" : String(format: "%.1f× short", factor))
    }

    private static func atMost(_ aim: String, _ measured: Double, _ target: Double, _ unit: String) -> Verdict {
        let met = measured <= target
        return Verdict(
            aim: aim, measured: String(format: "%.2f", measured) + unit, met: met,
            shortBy: met ? "" : String(format: "%.1f× over", measured / target))
    }
}
