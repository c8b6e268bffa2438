import Checkout
import Cluster
import Foundation
import RPC
import Synchronization
import TraceFormat

/// Runs a load with a progress line and prints its report (shared by `load` and `demo`).
enum LoadRun {
    /// `progress`: draw the progress line (nil: only when stderr is a terminal).
    static func execute(
        url: String, orders: Int, concurrency: Int, mix: OrderMix, seed: UInt64, recorder: TraceRecorder,
        credential: ClusterCredential?, retry: CheckoutRetry = CheckoutRetry(), schedule: OpenLoopSchedule? = nil,
        progress: Bool? = nil
    ) -> LoadGenerator.Report {
        // A traced generator presents the credential (when it has one) so that its messages are honoured.
        let year = CalendarDate.utcNow().year
        let generator =
            schedule.map {
                LoadGenerator(
                    baseURL: url, schedule: $0, concurrency: concurrency, mix: mix, seed: seed, year: year,
                    credential: credential, retry: retry)
            }
            ?? LoadGenerator(
                baseURL: url, orders: orders, concurrency: concurrency, mix: mix, seed: seed, year: year,
                credential: credential, retry: retry)
        let bar = ProgressBar(total: generator.total, enabled: progress ?? (isatty(2) == 1))
        let report = generator.run(recorder: recorder) { done in bar.update(done) }
        bar.finish()
        return report
    }

    static func print(_ report: LoadGenerator.Report, format: OutputFormat, listIDs: Bool = false) {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            CLIOutput.line(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
            if let warning = behindWarning(report) { CLIOutput.error(warning) }
        case .text:
            for line in text(report, listIDs: listIDs) { CLIOutput.line(line) }
        }
    }

    static func text(_ report: LoadGenerator.Report, listIDs: Bool) -> [String] {
        func f(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
        var lines: [String] = []
        if let rate = report.intendedRate {
            lines.append(
                "open loop: \(report.orders) orders due at \(f(rate, 0))/s, sent by \(report.concurrency) clients "
                    + "(one connection each): \(f(report.ordersPerSecond, 0)) orders/s achieved "
                    + "in \(f(report.seconds)) s")
            lines.append(
                "latency ms from the intended send times: p50 \(f(report.p50Ms))  p90 \(f(report.p90Ms))  "
                    + "p99 \(f(report.p99Ms))  max \(f(report.maxMs))")
            lines.append(
                "from the actual sends: p50 \(f(report.serviceP50Ms))  p99 \(f(report.serviceP99Ms)); send lag: "
                    + "p99 \(f(report.sendLagP99Ms))  max \(f(report.sendLagMaxMs)); "
                    + "sent over 1 ms late: \(report.lateSends)")
            if let warning = behindWarning(report) { lines.append(warning) }
        } else {
            lines.append(
                "\(report.orders) orders in \(f(report.seconds)) s with \(report.concurrency) clients "
                    + "(one connection each): \(f(report.ordersPerSecond, 0)) orders/s")
            lines.append(
                "latency ms: p50 \(f(report.p50Ms))  p90 \(f(report.p90Ms))  p99 \(f(report.p99Ms))  "
                    + "max \(f(report.maxMs))")
        }
        let outcomes = report.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append("outcomes: " + outcomes.joined(separator: ", "))
        let sent = report.sent.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append("sent: " + sent.joined(separator: ", ") + "; unexpected outcomes: \(report.unexpected)")
        lines.append(
            "retries: \(report.retries) (orders retried \(report.retriedOrders), gave up \(report.gaveUp)); "
                + "approved order ids: \(report.approvedOrderIDs.count)"
                + (listIDs ? "" : " (--list-ids or --format json lists them)"))
        if listIDs { lines += report.approvedOrderIDs }
        return lines
    }

    /// Said when an open loop could not keep to its schedule.
    static func behindWarning(_ report: LoadGenerator.Report) -> String? {
        guard report.fellBehind else { return nil }
        return "warning: the load generator fell behind its schedule: \(report.lateSends) of \(report.orders) orders "
            + "left more than 1 ms late (max \(String(format: "%.1f", report.sendLagMaxMs)) ms); latencies still "
            + "count from the intended times, but the rate reached was "
            + "\(String(format: "%.0f", report.ordersPerSecond))/s (more clients: --concurrency)"
    }
}

/// A progress line on stderr, drawn at most every 100 ms (only when `enabled`).
final class ProgressBar: Sendable {
    private let total: Int
    private let enabled: Bool
    private let started = MonotonicClock.nanos()
    private let lastDrawn = Mutex<UInt64?>(nil)

    init(total: Int, enabled: Bool = isatty(2) == 1) {
        self.total = total
        self.enabled = enabled
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = MonotonicClock.nanos()
        lastDrawn.withLock { lastDrawn in
            guard LoadProgress.due(now: now, lastDrawn: lastDrawn, done: done, total: total) else { return }
            lastDrawn = now
            let line = LoadProgress.line(done: done, total: total, elapsedSeconds: Double(now - started) / 1e9)
            CLIOutput.errorInline("\r\u{1B}[2K" + line)
        }
    }

    func finish() {
        guard enabled else { return }
        CLIOutput.errorInline("\r\u{1B}[2K")
    }
}

extension CLIOutput {
    static func errorInline(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
