import Checkout
import Foundation
import Logging
import RPC
import SeededRandom
import TraceFormat

/// Sends a mix of checkouts to the orchestrator and measures throughput, latency and outcomes.
///
/// `concurrency` clients run at once, each on a thread of its own with a keep-alive connection of its own (one
/// `RPCClient`, so one libcurl handle, per client). Closed loop (`schedule` nil): each client sends its next order
/// when the previous one is answered, `orders` in all. Open loop (`schedule` set): every client first opens its
/// connection (a `GET /healthz`), then request `i` is due at `start + i / rate`; the next free client sends it at
/// that time (or as soon as one is free) and its latency counts from the due time, so a slow answer cannot hide
/// the requests it held up (see `LatencyAccounting`).
public struct LoadGenerator: Sendable {
    public var baseURL: String
    /// Orders in a closed-loop run (an open-loop run sends `schedule.count`).
    public var orders: Int
    /// Clients, i.e. threads and connections.
    public var concurrency: Int
    /// The open-loop schedule; nil: closed loop.
    public var schedule: OpenLoopSchedule?
    public var mix: OrderMix
    public var seed: UInt64
    public var deadline: Duration
    public var year: Int
    /// Presented with every request, so that a traced load generator's messages are honoured (without it the
    /// orchestrator treats the generator as an outside client and ignores its trace metadata).
    public var credential: ClusterCredential?
    /// How a refused or failed checkout is sent again.
    public var retry: CheckoutRetry

    /// A closed-loop load of `orders` orders from `concurrency` clients.
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

    /// An open-loop load on `schedule`, sent by at most `concurrency` clients at once.
    public init(
        baseURL: String, schedule: OpenLoopSchedule, concurrency: Int, mix: OrderMix = .standard, seed: UInt64 = 42,
        deadline: Duration = .seconds(5), year: Int, credential: ClusterCredential? = nil,
        retry: CheckoutRetry = CheckoutRetry()
    ) {
        self.init(
            baseURL: baseURL, orders: schedule.count, concurrency: concurrency, mix: mix, seed: seed,
            deadline: deadline, year: year, credential: credential, retry: retry)
        self.schedule = schedule
    }

    /// The requests this run sends.
    public var total: Int { schedule?.count ?? orders }

    /// Runs the load; `progress` is called with the number of finished orders (from worker threads).
    ///
    /// Only a tracing `recorder` (one with a trace file) sends trace metadata (clock, message id, sender,
    /// `traceparent`): a clock from a node that has no trace file would put entries into the servers' clocks that no
    /// trace explains, and every untraced load process would claim the same node id.
    public func run(recorder: TraceRecorder, progress: @escaping @Sendable (Int) -> Void = { _ in }) -> Report {
        let logger = Logger(label: "load") { _ in SwiftLogNoOpLogHandler() }
        // One client per thread: each has its own pool, so each thread keeps one connection of its own.
        let clients = (0..<concurrency).map { _ in
            RPCClient(
                peer: "orchestrator", baseURL: baseURL, recorder: recorder, logger: logger, defaultDeadline: deadline,
                propagatesContext: recorder.isTracing, credential: credential)
        }
        let tally = LoadTally(threads: concurrency)
        // One Idempotency-Key per order: unique to this run, the same for every retry of the order.
        let runKey = "load-" + UUID().uuidString.lowercased()
        let next = LoadTally.NextIndex()
        let (schedule, total) = (self.schedule, self.total)
        // An open loop's clients open their connections before its schedule starts (see `ConcurrentClients`).
        let prepare: @Sendable (Int) -> LoadTally.Counts = { thread in
            if schedule != nil { _ = try? clients[thread].request("GET", "/healthz") }
            return LoadTally.Counts()
        }
        let startTime = { MonotonicClock.nanos() + (schedule == nil ? 0 : OpenLoopSchedule.leadNanoseconds) }
        let began = ConcurrentClients.run(concurrency, prepare: prepare, start: startTime) { thread, start, local in
            while let index = next.take(limit: total) {
                var generator = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
                let kind = mix.kind(using: &generator)
                let order = mix.order(kind, year: year, using: &generator)
                let body = Self.encode(order)
                var intended = schedule?.intendedTime(of: index, start: start)
                if let due = intended { Self.sleep(until: due) }
                let sentAt = MonotonicClock.nanos()
                if intended == nil { intended = sentAt }
                let sent = retry.send(
                    body: body, key: "\(runKey)-\(index)", client: clients[thread], jitter: &generator)
                local.timing.record(intended: intended ?? sentAt, sent: sentAt, completed: MonotonicClock.nanos())
                local.count(kind: kind, sent: sent)
                progress(tally.finishOne())
            }
            tally.store(thread: thread, counts: local)
        }
        let seconds = Double(MonotonicClock.nanos() &- began) / 1e9
        return Report(
            schedule: schedule, orders: total, concurrency: concurrency, seconds: seconds, counts: tally.merged())
    }

    /// The order's JSON: the byte-level encoder (what `JSONEncoder` writes, byte for byte), Foundation's when it
    /// cannot write the value.
    static func encode(_ order: CheckoutRequest) -> Data {
        if let bytes = order.wireJSON { return Data(bytes) }
        return (try? JSONEncoder().encode(order)) ?? Data()
    }

    /// Blocks the thread until the monotonic clock reads `nanos` (at once if it has passed).
    static func sleep(until nanos: UInt64) {
        var due = timespec(
            tv_sec: Int(clamping: nanos / 1_000_000_000), tv_nsec: Int(clamping: nanos % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, nil) == EINTR {}
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
