import Foundation

/// The text report of `bookstore-bench checkout`.
enum CheckoutBenchmarkText {
    static func lines(_ results: CheckoutBenchmark.Results, orders: Int, most: Int) -> [String] {
        let rows = results.rows
        var lines = [
            "Checkout on the real cluster (8 processes on loopback), \(orders) orders per closed-loop row; "
                + "every client is a thread with its own keep-alive connection",
            "scenario                                      clients conns  req/s    vs base  p50 ms  p90 ms  p99 ms  "
                + "max ms  outcomes",
        ]
        for row in rows {
            // A closed-loop row's baseline is closed loop too; the open loop's is on its schedule.
            let base = rows.first {
                $0.clients == row.clients && $0.scenario.hasPrefix("baseline")
                    && ($0.intendedRate == nil) == (row.intendedRate == nil)
            }
            let ratio = base.map { row.perSecond / $0.perSecond }
            let outcomes = row.outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: " ")
            lines.append(
                row.scenario.padding(toLength: 46, withPad: " ", startingAt: 0)
                    + String(format: "%-7d ", row.clients)
                    + (row.connections.map { String($0) } ?? "-").padding(toLength: 6, withPad: " ", startingAt: 0)
                    + String(format: "%-8.0f ", row.perSecond)
                    + (ratio.map { String(format: "%-8.2f ", $0) } ?? "-        ")
                    + String(format: "%-7.2f %-7.2f %-7.2f %-7.2f ", row.p50Ms, row.p90Ms, row.p99Ms, row.maxMs)
                    + outcomes)
        }
        if let open = rows.first(where: { $0.intendedRate != nil && $0.scenario.hasPrefix("POST /checkout") }),
            let rate = open.intendedRate
        {
            lines.append(
                String(
                    format:
                        "open loop: %.0f/s intended, %.0f/s achieved; latencies from each order's intended send time",
                    rate, open.perSecond)
                    + (open.fellBehind
                        ? " (the generator FELL BEHIND its schedule: more than 1 % sent > 1 ms late)" : ""))
        }
        let on = rows.first { $0.scenario == "POST /checkout, tracing on" && $0.clients == most }
        let off = rows.first { $0.scenario == "POST /checkout, tracing off" }
        if let on, let off, off.perSecond > 0 {
            lines.append(
                String(
                    format: "tracing cost with %d clients: %.1f%% of throughput (%.0f/s traced, %.0f/s untraced)",
                    on.clients, (1 - on.perSecond / off.perSecond) * 100, on.perSecond, off.perSecond))
        }
        if let noMetrics = rows.first(where: { $0.scenario == "POST /checkout, metrics off" }), let on,
            noMetrics.perSecond > 0
        {
            lines.append(
                String(
                    format: "metrics cost with %d clients: %.1f%% of throughput", on.clients,
                    (1 - on.perSecond / noMetrics.perSecond) * 100))
        }
        lines.append("")
        lines.append(
            "CPU per checkout: ms of CPU per order (and % of one core) by process, from /proc/<pid>/stat utime+stime "
                + "(the load generator: getrusage), from each row's start until the executors committed its orders")
        lines += results.cpu.text(labels: results.cpu.columns.map(\.scenario))
        if let idle = results.idle {
            lines.append("")
            lines.append(
                String(
                    format: "Idle cluster (after the warm-up, queue drained, no load) over %.1f s: CPU by process",
                    idle.wallSeconds))
            lines += CPUBudget.idleText(idle)
        }
        if !results.aims.isEmpty {
            lines.append("")
            lines += CheckoutAims.lines(results.aims)
        }
        if let load = results.loadAverage {
            lines.append("")
            lines.append("load average at the end: \(load) (the machine is shared: figures move with it)")
        }
        return lines
    }
}
