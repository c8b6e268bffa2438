import Cluster
import Foundation
import Histogram
import RPC
import Synchronization

/// Runs one operation from several threads for a fixed time and measures throughput and latency.
struct LoadRunner {
    struct Figures: Codable {
        var scenario: String
        var threads: Int
        var calls: Int
        var errors: Int
        var seconds: Double
        var callsPerSecond: Double
        var p50Microseconds: Double
        var p90Microseconds: Double
        var p99Microseconds: Double
        var maxMicroseconds: Double
    }

    var duration: Duration
    var warmup: Duration

    /// Calls `operation` in a loop on `threads` threads; the warm-up is not measured.
    func run(scenario: String, threads: Int, operation: @escaping @Sendable (Int) -> Bool) -> Figures {
        let deadline = UInt64(duration.wholeNanoseconds)
        let warmupNanos = UInt64(warmup.wholeNanoseconds)
        let results = ResultsBox(count: threads)
        let prepare: @Sendable (Int) -> Histogram<UInt64> = { _ in LatencyAccounting.nanosecondHistogram() }
        let noStartValue: () -> Void = {}
        ConcurrentClients.run(threads, prepare: prepare, start: noStartValue) { thread, _, histogram in
            var errors = 0
            let begin = Self.nanos()
            while Self.nanos() - begin < warmupNanos { _ = operation(thread) }
            let start = Self.nanos()
            var now = start
            while now - start < deadline {
                let ok = operation(thread)
                let after = Self.nanos()
                _ = histogram.record(after - now)
                if !ok { errors += 1 }
                now = after
            }
            results.store(thread, histogram, errors, Double(now - start) / 1e9)
        }
        var merged = LatencyAccounting.nanosecondHistogram()
        var errors = 0
        var seconds = 0.0
        for (histogram, failed, elapsed) in results.all {
            merged.add(histogram)
            errors += failed
            seconds = max(seconds, elapsed)
        }
        let calls = Int(merged.totalCount)
        return Figures(
            scenario: scenario, threads: threads, calls: calls, errors: errors, seconds: seconds,
            callsPerSecond: Double(calls) / seconds,
            p50Microseconds: Double(merged.valueAtPercentile(50)) / 1000,
            p90Microseconds: Double(merged.valueAtPercentile(90)) / 1000,
            p99Microseconds: Double(merged.valueAtPercentile(99)) / 1000,
            maxMicroseconds: Double(merged.max) / 1000)
    }

    static func nanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

private final class ResultsBox: Sendable {
    private let items: Mutex<[(Histogram<UInt64>, Int, Double)?]>
    init(count: Int) { items = Mutex(Array(repeating: nil, count: count)) }
    func store(_ index: Int, _ histogram: Histogram<UInt64>, _ errors: Int, _ seconds: Double) {
        items.withLock { $0[index] = (histogram, errors, seconds) }
    }
    var all: [(Histogram<UInt64>, Int, Double)] { items.withLock { $0.compactMap { $0 } } }
}
