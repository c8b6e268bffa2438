import Checkout
import Foundation
import Histogram
import Logging
import RPC
import SeededRandom
import Synchronization
import TraceFormat

/// Sends a mix of checkouts to the orchestrator from several threads over keep-alive connections and
/// measures throughput, latency and outcomes.
public struct LoadGenerator: Sendable {
    /// What a run found.
    public struct Report: Codable, Sendable {
        public var orders: Int
        public var concurrency: Int
        public var seconds: Double
        public var ordersPerSecond: Double
        public var p50Ms: Double
        public var p90Ms: Double
        public var p99Ms: Double
        public var maxMs: Double
        /// Counts by outcome: `approved`, `rejected`, `http_<status>`, `transport_error`.
        public var outcomes: [String: Int]
        /// Counts by the kind of order sent.
        public var sent: [String: Int]
        /// Orders whose outcome differed from what their kind was built for.
        public var unexpected: Int
        /// Ids of approved orders (for checking that each was committed).
        public var approvedOrderIDs: [String]
        /// Requests sent again after a 503, a 409 "still in progress" or a transport failure (same key).
        public var retries: Int
        /// Orders that needed at least one retry.
        public var retriedOrders: Int
        /// Orders still without a decision after the last retry (their outcome is the last failure).
        public var gaveUp: Int
    }

    public var baseURL: String
    public var orders: Int
    public var concurrency: Int
    public var mix: OrderMix
    public var seed: UInt64
    public var deadline: Duration
    public var year: Int
    /// Presented with every request, so that a traced load generator's messages are honoured (without it the
    /// orchestrator treats the generator as an outside client and ignores its trace metadata).
    public var credential: ClusterCredential?
    /// How a refused or failed checkout is sent again.
    public var retry: CheckoutRetry

    public init(
        baseURL: String, orders: Int, concurrency: Int, mix: OrderMix = .standard, seed: UInt64 = 42,
        deadline: Duration = .seconds(5), year: Int, credential: ClusterCredential? = nil,
        retry: CheckoutRetry = CheckoutRetry()
    ) {
        self.credential = credential
        self.retry = retry
        self.baseURL = baseURL
        self.orders = orders
        self.concurrency = max(1, concurrency)
        self.mix = mix
        self.seed = seed
        self.deadline = deadline
        self.year = year
    }

    /// Runs the load; `progress` is called with the number of finished orders (from worker threads).
    ///
    /// Only a tracing `recorder` (one with a trace file) sends trace metadata (clock, message id, sender,
    /// `traceparent`): a clock from a node that has no trace file would put entries into the servers' clocks that no
    /// trace explains, and every untraced load process would claim the same node id.
    public func run(recorder: TraceRecorder, progress: @escaping @Sendable (Int) -> Void = { _ in }) -> Report {
        let logger = Logger(label: "load") { _ in SwiftLogNoOpLogHandler() }
        let client = RPCClient(
            peer: "orchestrator", baseURL: baseURL, recorder: recorder, logger: logger, defaultDeadline: deadline,
            propagatesContext: recorder.isTracing, credential: credential)
        let tally = Tally(threads: concurrency)
        // One Idempotency-Key per order: unique to this run, the same for every retry of the order.
        let runKey = "load-" + UUID().uuidString.lowercased()
        let next = NextIndex()
        let started = ContinuousClock.now
        ConcurrentClients.run(concurrency) { thread in
            var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
            var local = Tally.Counts()
            while let index = next.take(limit: orders) {
                var generator = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
                let kind = mix.kind(using: &generator)
                let order = mix.order(kind, year: year, using: &generator)
                local.sent[kind.rawValue, default: 0] += 1
                let body = (try? JSONEncoder().encode(order)) ?? Data()
                let begin = ContinuousClock.now
                let sent = retry.send(
                    body: body, key: "\(runKey)-\(index)", client: client, jitter: &generator)
                let outcome = sent.outcome
                local.retries += sent.retries
                if sent.retries > 0 { local.retriedOrders += 1 }
                if sent.gaveUp { local.gaveUp += 1 }
                let approvedID = outcome == "approved" ? sent.orderID : nil
                let elapsed = ContinuousClock.now - begin
                _ = histogram.record(UInt64(max(0, elapsed.wholeNanoseconds)))
                local.outcomes[outcome, default: 0] += 1
                if let approvedID { local.approved.append(approvedID) }
                if (kind == .valid) != (outcome == "approved") { local.unexpected += 1 }
                progress(tally.finishOne())
            }
            tally.store(thread: thread, histogram: histogram, counts: local)
        }
        let seconds = (ContinuousClock.now - started).secondsValue
        let (histogram, counts) = tally.merged()
        func ms(_ value: UInt64) -> Double { Double(value) / 1e6 }
        return Report(
            orders: orders, concurrency: concurrency, seconds: seconds, ordersPerSecond: Double(orders) / seconds,
            p50Ms: ms(histogram.valueAtPercentile(50)), p90Ms: ms(histogram.valueAtPercentile(90)),
            p99Ms: ms(histogram.valueAtPercentile(99)), maxMs: ms(histogram.max), outcomes: counts.outcomes,
            sent: counts.sent, unexpected: counts.unexpected, approvedOrderIDs: counts.approved.sorted(),
            retries: counts.retries, retriedOrders: counts.retriedOrders, gaveUp: counts.gaveUp)
    }
}

/// Why a traced load process has no node id to trace under.
public enum LoadIdentityError: Error, CustomStringConvertible, Equatable {
    /// `--node-id` names a node the cluster does not declare: its servers would refuse the clocks.
    case undeclared(String, declared: [String])
    /// Every declared load id is being traced under by another live process in this run directory.
    case allBusy([String])

    public var description: String {
        switch self {
        case .undeclared(let node, let declared):
            return "node id \(node) is not declared in security.externalNodes (\(declared.joined(separator: ", "))): "
                + "the servers would refuse its clocks; declare it in the cluster config"
        case .allBusy(let ids):
            return "every load node id (\(ids.joined(separator: ", "))) is already tracing into this run; "
                + "declare another one (e.g. load-\(ids.count + 1)) in security.externalNodes, or wait"
        }
    }
}

extension LoadGenerator {
    /// The trace recorder of a traced load process, under a node id of its own: `nodeID` when given (it must be
    /// one of `declared`, the cluster's `security.externalNodes`, or the servers would refuse its clocks), else
    /// the first declared `load` / `load-N` id that no other live process is tracing under in `directory` (the
    /// trace lock tells). A later load under the same id is a new incarnation of that node (§1.5), never a second
    /// writer of its file.
    public static func tracingRecorder(
        directory: String, nodeID: String?, declared: [String]
    ) throws -> TraceRecorder {
        if let nodeID {
            guard declared.contains(nodeID) else { throw LoadIdentityError.undeclared(nodeID, declared: declared) }
            return try TraceRecorder.file(node: nodeID, directory: directory)
        }
        let candidates = declared.filter { $0 == "load" || $0.hasPrefix("load-") }
        for candidate in candidates {
            do {
                return try TraceRecorder.file(node: candidate, directory: directory)
            } catch is TraceLockError {
                continue
            }
        }
        throw LoadIdentityError.allBusy(candidates)
    }
}

private final class NextIndex: Sendable {
    private let next = Mutex(0)
    func take(limit: Int) -> Int? {
        next.withLock { next in
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

private final class Tally: Sendable {
    struct Counts {
        var outcomes: [String: Int] = [:]
        var sent: [String: Int] = [:]
        var unexpected = 0
        var approved: [String] = []
        var retries = 0
        var retriedOrders = 0
        var gaveUp = 0
    }

    private struct Slots {
        var finished = 0
        var histograms: [Histogram<UInt64>?]
        var counts: [Counts?]
    }

    private let slots: Mutex<Slots>

    init(threads: Int) {
        slots = Mutex(
            Slots(histograms: Array(repeating: nil, count: threads), counts: Array(repeating: nil, count: threads)))
    }

    func finishOne() -> Int {
        slots.withLock { slots in
            slots.finished += 1
            return slots.finished
        }
    }

    func store(thread: Int, histogram: Histogram<UInt64>, counts local: Counts) {
        slots.withLock { slots in
            slots.histograms[thread] = histogram
            slots.counts[thread] = local
        }
    }

    func merged() -> (Histogram<UInt64>, Counts) {
        slots.withLock { slots in
            let (histograms, counts) = (slots.histograms, slots.counts)
            var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
            var total = Counts()
            for item in histograms.compactMap({ $0 }) { histogram.add(item) }
            for item in counts.compactMap({ $0 }) {
                total.outcomes.merge(item.outcomes, uniquingKeysWith: +)
                total.sent.merge(item.sent, uniquingKeysWith: +)
                total.unexpected += item.unexpected
                total.approved += item.approved
                total.retries += item.retries
                total.retriedOrders += item.retriedOrders
                total.gaveUp += item.gaveUp
            }
            return (histogram, total)
        }
    }
}
