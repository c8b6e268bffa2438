import CoreMetrics
import Foundation
import TraceFormat

/// The RPC layer's metrics, through the swift-metrics API with a factory chosen by the process (a Prometheus
/// registry per node, or no-op). Metric objects are created once per label set and cached.
public final class RPCMetrics: Sendable {
    /// The factory every metric of this node is made with.
    public let factory: any MetricsFactory
    /// False for `disabled`: the per-request helpers return at once (no cache lookups).
    public let isEnabled: Bool
    private let cache = MetricCache()
    /// The per-call metrics of each method (server) and each peer's method (client), found without building a key.
    private let methods = MethodMetricsTable()

    /// Metrics that go nowhere.
    public static let disabled = RPCMetrics(factory: NOOPMetricsHandler.instance, isEnabled: false)

    public convenience init(factory: any MetricsFactory) {
        self.init(factory: factory, isEnabled: true)
    }

    private init(factory: any MetricsFactory, isEnabled: Bool) {
        self.factory = factory
        self.isEnabled = isEnabled
    }

    /// A server answered `operation` with `outcome` (`ok` or an error code name) after `nanos`.
    public func serverRequest(operation: String, outcome: String, nanos: Int64) {
        guard isEnabled else { return }
        let method = methods.find(peer: nil, operation: operation) {
            MethodMetrics(
                timer: timer("rpc_server_duration_seconds", [("method", operation)]),
                ok: counter("rpc_server_requests_total", [("method", operation), ("outcome", "ok")]), error: nil)
        }
        guard let method else {
            counter("rpc_server_requests_total", [("method", operation), ("outcome", outcome)]).increment()
            timer("rpc_server_duration_seconds", [("method", operation)]).recordNanoseconds(nanos)
            return
        }
        if outcome == "ok" {
            method.ok.increment()
        } else {
            counter("rpc_server_requests_total", [("method", operation), ("outcome", outcome)]).increment()
        }
        method.timer.recordNanoseconds(nanos)
    }

    /// A client call to `peer`'s `operation` ended with `outcome` after `nanos`.
    public func clientRequest(peer: String, operation: String, outcome: String, nanos: Int64) {
        guard isEnabled else { return }
        let method = methods.find(peer: peer, operation: operation) {
            let labels = [("peer", peer), ("method", operation)]
            return MethodMetrics(
                timer: timer("rpc_client_duration_seconds", labels),
                ok: counter("rpc_client_requests_total", labels + [("outcome", "ok")]),
                error: counter("rpc_client_requests_total", labels + [("outcome", "error")]))
        }
        guard let method else {
            counter("rpc_client_requests_total", [("peer", peer), ("method", operation), ("outcome", outcome)])
                .increment()
            timer("rpc_client_duration_seconds", [("peer", peer), ("method", operation)]).recordNanoseconds(nanos)
            return
        }
        if outcome == "ok" {
            method.ok.increment()
        } else if outcome == "error", let error = method.error {
            error.increment()
        } else {
            counter("rpc_client_requests_total", [("peer", peer), ("method", operation), ("outcome", outcome)])
                .increment()
        }
        method.timer.recordNanoseconds(nanos)
    }

    /// A cached counter.
    public func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
        cache.get("c", label, dimensions) { Counter(label: label, dimensions: dimensions, factory: factory) }
    }

    /// A cached timer (a duration histogram in Prometheus).
    public func timer(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Timer {
        cache.get("t", label, dimensions) { CoreMetrics.Timer(label: label, dimensions: dimensions, factory: factory) }
    }

    /// A cached gauge.
    public func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> Gauge {
        cache.get("g", label, dimensions) { Gauge(label: label, dimensions: dimensions, factory: factory) }
    }

    /// A cached value histogram (an aggregating recorder).
    public func histogram(_ label: String, _ dimensions: [(String, String)] = []) -> Recorder {
        cache.get("h", label, dimensions) {
            Recorder(label: label, dimensions: dimensions, aggregate: true, factory: factory)
        }
    }
}

private final class MetricCache: Sendable {
    private let items = LockedState<[String: any AnyObject & Sendable]>([:])

    func get<T: AnyObject & Sendable>(
        _ kind: String, _ label: String, _ dimensions: [(String, String)], make: () -> T
    ) -> T {
        var key = kind + "|" + label
        for (name, value) in dimensions { key += "|" + name + "=" + value }
        return items.withLock { items in
            if let existing = items[key] as? T { return existing }
            let created = make()
            items[key] = created
            return created
        }
    }
}

/// The metrics one RPC records on every call, made once per method: its duration timer and its most common outcome
/// counters (other outcomes go through the string-keyed cache).
private final class MethodMetrics: Sendable {
    let timer: CoreMetrics.Timer
    let ok: Counter
    /// A client's `error` outcome (an HTTP error status); nil on the server side.
    let error: Counter?

    init(timer: CoreMetrics.Timer, ok: Counter, error: Counter?) {
        self.timer = timer
        self.ok = ok
        self.error = error
    }
}

/// `MethodMetrics` by peer and operation, in a short list compared by value: no key is built or hashed per call.
/// Bounded: past `capacity` methods, `find` returns nil and the caller goes through the string-keyed cache.
private final class MethodMetricsTable: Sendable {
    private struct Entry {
        var peer: String?
        var operation: String
        var metrics: MethodMetrics
    }

    private static let capacity = 64
    /// A plain mutex (`LockedState`): every call on every thread looks its metrics up here.
    private let entries = LockedState<[Entry]>([])

    func find(peer: String?, operation: String, make: () -> MethodMetrics) -> MethodMetrics? {
        let found = entries.withLock { entries in
            entries.first { $0.operation == operation && $0.peer == peer }?.metrics
        }
        if let found { return found }
        let made = make()
        return entries.withLock { entries in
            if let raced = entries.first(where: { $0.operation == operation && $0.peer == peer }) {
                return raced.metrics
            }
            guard entries.count < Self.capacity else { return nil }
            entries.append(Entry(peer: peer, operation: operation, metrics: made))
            return made
        }
    }
}
