import CoreMetrics
import Prometheus

/// The services' swift-metrics factory: every family goes into one node's Prometheus registry as
/// `bookstore_<label>` with the `# HELP` text of `MetricCatalog`, and every series carries the node's own
/// `service` and `node` labels (so dashboards and alerts do not depend on labels a scrape config adds).
public struct BookstoreMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    /// `service` and `node`, appended to every series.
    public let constantLabels: [(String, String)]
    /// Buckets of every duration histogram (seconds).
    public var durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]
    /// Buckets of value histograms, by label; others get `defaultValueBuckets`.
    public var valueBuckets: [String: [Double]] = [
        "fraud_score": [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1]
    ]
    public var defaultValueBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]

    public init(registry: PrometheusCollectorRegistry, service: String, node: String) {
        self.registry = registry
        self.constantLabels = [("service", service), ("node", node)]
    }

    private func labels(_ dimensions: [(String, String)]) -> [(String, String)] {
        dimensions.filter { name, _ in !constantLabels.contains { $0.0 == name } } + constantLabels
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let definition = MetricCatalog.definition(label, kind: .counter)
        return registry.makeCounter(name: definition.name, labels: labels(dimensions), help: definition.help)
    }

    public func makeFloatingPointCounter(
        label: String, dimensions: [(String, String)]
    )
        -> any FloatingPointCounterHandler
    {
        let definition = MetricCatalog.definition(label, kind: .counter)
        return registry.makeCounter(name: definition.name, labels: labels(dimensions), help: definition.help)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return makeGauge(label: label, dimensions: dimensions) }
        let definition = MetricCatalog.definition(label, kind: .histogram)
        return registry.makeValueHistogram(
            name: definition.name, labels: labels(dimensions), buckets: valueBuckets[label] ?? defaultValueBuckets,
            help: definition.help)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        makeGauge(label: label, dimensions: dimensions)
    }

    private func makeGauge(label: String, dimensions: [(String, String)]) -> Prometheus.Gauge {
        let definition = MetricCatalog.definition(label, kind: .gauge)
        return registry.makeGauge(name: definition.name, labels: labels(dimensions), help: definition.help)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let definition = MetricCatalog.definition(label, kind: .histogram)
        return registry.makeDurationHistogram(
            name: definition.name, labels: labels(dimensions), buckets: durationBuckets, help: definition.help)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
