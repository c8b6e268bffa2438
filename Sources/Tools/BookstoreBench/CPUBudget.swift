import Cluster
import Foundation
import Synchronization

/// CPU per checkout for each process of the cluster and the load generator, for several benchmark rows, and the
/// idle cluster's CPU: what `bookstore-bench checkout` prints under its throughput table.
struct CPUBudget: Codable {
    /// One process in one row.
    struct Cell: Codable {
        var process: String
        var cpuSeconds: Double
        /// CPU milliseconds per checkout.
        var msPerCheckout: Double
        /// CPU seconds per wall second, in percent of one core.
        var percentOfCore: Double
    }

    /// One measured row (a scenario of the throughput table).
    struct Column: Codable {
        var scenario: String
        var checkouts: Int
        var wallSeconds: Double
        var cells: [Cell]
    }

    /// The name under which the benchmark's own process (the load generator) is sampled.
    static let loadGenerator = "load generator"

    var columns: [Column] = []

    /// The order processes are listed in: the request path first, executors after, the generator last.
    static func order(_ names: some Collection<String>) -> [String] {
        let first = ["orchestrator", "verification", "fraud", "suggestions", "queue"]
        let executors = names.filter { !first.contains($0) && $0 != loadGenerator }.sorted()
        return first.filter(names.contains) + executors + (names.contains(loadGenerator) ? [loadGenerator] : [])
    }

    /// A column from two samples around a row of `checkouts` orders.
    static func column(scenario: String, checkouts: Int, before: CPUSample, after: CPUSample) -> Column {
        let (cpu, wall) = after.used(since: before)
        let cells = order(cpu.keys).map { name in
            let seconds = cpu[name] ?? 0
            return Cell(
                process: name, cpuSeconds: seconds, msPerCheckout: seconds * 1000 / Double(max(1, checkouts)),
                percentOfCore: wall > 0 ? seconds / wall * 100 : 0)
        }
        return Column(scenario: scenario, checkouts: checkouts, wallSeconds: wall, cells: cells)
    }

    /// The table: one line per process, one column per row ("ms per checkout (% of a core)"), and totals.
    func text(labels: [String]) -> [String] {
        guard !columns.isEmpty else { return [] }
        let names = Self.order(Set(columns.flatMap { $0.cells.map(\.process) }))
        let width = 20
        func pad(_ text: String, _ count: Int) -> String { text.padding(toLength: count, withPad: " ", startingAt: 0) }
        var lines = [pad("process", 16) + labels.map { pad($0, width) }.joined()]
        for name in names + ["total"] {
            var line = pad(name, 16)
            for column in columns {
                let cells = name == "total" ? column.cells : column.cells.filter { $0.process == name }
                let ms = cells.reduce(0) { $0 + $1.msPerCheckout }
                let percent = cells.reduce(0) { $0 + $1.percentOfCore }
                line += pad(cells.isEmpty ? "-" : String(format: "%.3f (%.0f%%)", ms, percent), width)
            }
            lines.append(line)
        }
        return lines
    }

    /// The idle cluster's table: % of a core per process over the interval, and the total.
    static func idleText(_ idle: Column) -> [String] {
        var lines = ["process          % of a core   CPU ms"]
        for cell in idle.cells {
            lines.append(
                cell.process.padding(toLength: 17, withPad: " ", startingAt: 0)
                    + String(format: "%-13.2f %.0f", cell.percentOfCore, cell.cpuSeconds * 1000))
        }
        let total = idle.cells.reduce(0) { $0 + $1.percentOfCore }
        let cpu = idle.cells.reduce(0) { $0 + $1.cpuSeconds }
        lines.append(
            "total".padding(toLength: 17, withPad: " ", startingAt: 0)
                + String(format: "%-13.2f %.0f", total, cpu * 1000))
        return lines
    }
}

/// Counts the load generator's connections to a port while a row runs: the largest number of ESTABLISHED client
/// sockets to it seen in samples every 250 ms (from `/proc/net/tcp`).
final class ConnectionWatch: Sendable {
    private let port: Int
    private let state = Mutex<(running: Bool, peak: Int)>((true, 0))
    private let done = DispatchSemaphore(value: 0)

    init(port: Int) {
        self.port = port
        Thread.detachNewThread { [self] in
            while state.withLock({ $0.running }) {
                let count = TCPConnectionTable.clientPorts(connectedTo: port).count
                state.withLock { $0.peak = max($0.peak, count) }
                Thread.sleep(forTimeInterval: 0.25)
            }
            done.signal()
        }
    }

    /// Stops sampling; returns the peak.
    func stop() -> Int {
        state.withLock { $0.running = false }
        done.wait()
        return state.withLock { $0.peak }
    }
}
