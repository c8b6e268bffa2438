import Foundation
import RPC
import TraceFormat

/// Sends a process's spans to an OpenTelemetry collector as they complete (OTLP/HTTP with JSON bodies).
///
/// Recording never waits for it: `observe` only appends the event to a bounded inbox (an event is dropped and
/// counted when the inbox is full). A background thread (`otlp-export`) sleeps while the inbox is empty (an idle
/// node's exporter never wakes); the first event after that lets a round gather for `interval` (or less, when
/// a batch's worth of events is waiting), and so on while events keep coming. Each round rebuilds spans (`LiveSpanAssembler`), and POSTs them in batches of at
/// most `batchSpans` with libcurl, each request bounded by `timeout`. A batch that fails is dropped and counted,
/// never retried, and so is the rest of that round: memory stays bounded and a round waits for at most one
/// deadline while the collector is down. `stop()` sends what is left, with the spans
/// still open as incomplete ones.
///
/// Metrics (through the node's `RPCMetrics`): `otlp_spans_exported_total`, `otlp_spans_dropped_total{reason}`
/// (`inbox_full`: events dropped before assembly, counted per event; `open_spans_full`; `export_failed`),
/// `otlp_export_requests_total{outcome}`.
public final class OTLPLiveExporter: @unchecked Sendable {
    /// How the exporter batches and bounds its memory.
    public struct Settings: Sendable {
        /// The collector's `/v1/traces` URL.
        public var url: String
        /// Most events waiting for the thread; more are dropped and counted.
        public var maximumQueuedEvents = 65_536
        /// Most spans in one request.
        public var batchSpans = 512
        /// How often the thread sends what completed.
        public var interval: Duration = .milliseconds(500)
        /// The deadline of one request, connect included.
        public var timeout: Duration = .seconds(2)
        /// Node id → advertised `host:port`, for `server.address`/`server.port`.
        public var addresses: [String: String] = [:]

        public init(url: String) { self.url = url }
    }

    /// What the exporter did so far.
    public struct Statistics: Sendable, Equatable {
        public var spansExported = 0
        public var eventsDropped = 0
        public var spansDropped = 0
        public var requestsFailed = 0
        public var requestsSent = 0
    }

    public let settings: Settings
    private let metrics: RPCMetrics
    private let onFailure: @Sendable (String) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var inbox: [TraceEvent] = []
    private var stopping = false
    /// The thread sleeps until the first event (the inbox was empty).
    private var sleeping = false
    private var finished = false
    private var counters = Statistics()
    private var thread: Thread?

    /// - Parameter onFailure: told why a request failed (at most once every 10 s per exporter).
    public init(settings: Settings, metrics: RPCMetrics, onFailure: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.metrics = metrics
        self.onFailure = onFailure
        // Made now, so that the counters are scraped (at 0) before anything happens.
        for reason in ["inbox_full", "open_spans_full", "export_failed"] {
            _ = metrics.counter("otlp_spans_dropped_total", [("reason", reason)])
        }
        _ = metrics.counter("otlp_spans_exported_total")
    }

    /// Queues one recorded event (from `TraceRecorder.observe`): never blocks on IO.
    public func observe(_ event: TraceEvent) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, inbox.count < settings.maximumQueuedEvents else {
            counters.eventsDropped += 1
            metrics.counter("otlp_spans_dropped_total", [("reason", "inbox_full")]).increment()
            return
        }
        inbox.append(event)
        if inbox.count == settings.batchSpans * 4 || (sleeping && inbox.count == 1) { condition.signal() }
    }

    /// Starts the sending thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "otlp-export"
        condition.lock()
        self.thread = thread
        condition.unlock()
        thread.start()
    }

    /// Sends everything recorded so far (spans still open go as incomplete) and stops the thread; waits for at most
    /// the current round and one more (each round stops at its first failed request).
    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        let started = thread != nil
        while started && !finished { condition.wait() }
        condition.unlock()
    }

    /// The counters so far.
    public var statistics: Statistics {
        condition.lock()
        defer { condition.unlock() }
        return counters
    }

    private func run() {
        let poster = OTLPPoster(url: settings.url, timeoutMilliseconds: Self.milliseconds(settings.timeout))
        var assembler = LiveSpanAssembler()
        var lastFailureReport: UInt64 = 0
        while true {
            condition.lock()
            while !stopping && inbox.isEmpty {
                sleeping = true
                condition.wait()
                sleeping = false
            }
            if !stopping && inbox.count < settings.batchSpans * 4 {
                _ = condition.wait(
                    until: Date().addingTimeInterval(Double(Self.milliseconds(settings.interval)) / 1000))
            }
            let events = inbox
            inbox.removeAll(keepingCapacity: true)
            let last = stopping
            condition.unlock()

            var spans: [AssembledSpan] = []
            let droppedBefore = assembler.spansDropped
            for event in events { spans += assembler.on(event) }
            if last { spans += assembler.drain() }
            count(openSpansDropped: assembler.spansDropped - droppedBefore)
            var index = 0
            while index < spans.count {
                let batch = Array(spans[index..<min(index + settings.batchSpans, spans.count)])
                index += batch.count
                if !send(batch, with: poster, lastFailureReport: &lastFailureReport) {
                    // The collector is down or slow: the rest of this round is dropped too, so that one round
                    // (and `stop()`) waits for at most one request deadline.
                    count(dropped: spans.count - index, reason: "export_failed")
                    break
                }
            }
            if last { break }
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sends one batch; false when it failed (and was dropped).
    private func send(_ batch: [AssembledSpan], with poster: OTLPPoster, lastFailureReport: inout UInt64) -> Bool {
        let body = Array(OTLPEncoder.tracesData(batch, keepsEveryParent: true, addresses: settings.addresses).utf8)
        let failure = poster.post(body)
        condition.lock()
        counters.requestsSent += 1
        if failure == nil {
            counters.spansExported += batch.count
        } else {
            counters.requestsFailed += 1
            counters.spansDropped += batch.count
        }
        condition.unlock()
        metrics.counter("otlp_export_requests_total", [("outcome", failure == nil ? "ok" : "failed")]).increment()
        if let failure {
            metrics.counter("otlp_spans_dropped_total", [("reason", "export_failed")]).increment(by: Int64(batch.count))
            let now = MonotonicClock.nanos()
            if lastFailureReport == 0 || now &- lastFailureReport >= 10_000_000_000 {
                lastFailureReport = now
                onFailure("OTLP export of \(batch.count) spans failed (dropped): \(failure)")
            }
        } else {
            metrics.counter("otlp_spans_exported_total").increment(by: Int64(batch.count))
        }
        return failure == nil
    }

    private func count(openSpansDropped: Int) {
        count(dropped: openSpansDropped, reason: "open_spans_full")
    }

    private func count(dropped: Int, reason: String) {
        guard dropped > 0 else { return }
        condition.lock()
        counters.spansDropped += dropped
        condition.unlock()
        metrics.counter("otlp_spans_dropped_total", [("reason", reason)]).increment(by: Int64(dropped))
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(clamping: seconds &* 1000 &+ attoseconds / 1_000_000_000_000_000)
    }
}
