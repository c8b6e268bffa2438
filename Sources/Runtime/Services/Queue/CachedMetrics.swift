import CoreMetrics
import RPC
import Synchronization

/// A metric the request path records often, made once on first use and then reused: `RPCMetrics`' own cache builds
/// a string key from the name and dimensions and hashes it on every lookup. Made lazily, so the metric appears in
/// the exposition when it is first recorded, as before.
final class CachedMetric<Metric: AnyObject & Sendable>: Sendable {
    private let slot = Mutex<Metric?>(nil)
    private let make: @Sendable () -> Metric

    init(_ make: @escaping @Sendable () -> Metric) {
        self.make = make
    }

    /// The metric (made now if this is the first use).
    var metric: Metric {
        slot.withLock { slot in
            if let metric = slot { return metric }
            let metric = make()
            slot = metric
            return metric
        }
    }
}

/// The counters of one name with one dimension (an outcome, say), one per value seen, made on first use.
final class CachedCounters: Sendable {
    private let metrics: RPCMetrics
    private let name: String
    private let dimension: String
    private let counters = Mutex<[String: Counter]>([:])

    init(_ metrics: RPCMetrics, _ name: String, dimension: String) {
        self.metrics = metrics
        self.name = name
        self.dimension = dimension
    }

    /// Adds one to the counter of `value`.
    func increment(_ value: String) {
        let cached = counters.withLock { $0[value] }
        if let cached {
            cached.increment()
            return
        }
        let counter = metrics.counter(name, [(dimension, value)])
        counters.withLock { $0[value] = counter }
        counter.increment()
    }
}
