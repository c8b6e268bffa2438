import Cluster
import ClusterProtocol
import Election
import Foundation
import Synchronization
import TraceFormat

/// `bookstore-bench failover --soak-minutes M --hog N`: the cluster runs for M minutes under a light checkout load
/// with N busy-loop threads next to it (no kills), and every failure-detector firing, election and new term started
/// while the leader was alive is counted from the trace files. The aim is none at all (issue 15).
struct FailoverSoak {
    struct Result: Codable {
        var minutes: Double
        var hogs: Int
        /// The 1-minute load average, sampled every 5 s during the soak.
        var loadMin: Double
        var loadMean: Double
        var loadMax: Double
        var heartbeatTimeouts: Int
        var electionsStarted: Int
        var newTerms: Int
        /// Times the executors' status named a different leader or epoch than at the start.
        var leaderChangesSeen: Int
        var approved: Int
        /// Probes (`status` calls) of a suspected leader the executors sent, and how they ended: answered,
        /// refused (connection refused or reset), timed out (deadline exceeded or another failure).
        var probes = CallTally()
        /// Watches (`watch` calls) of the leader: answered (the hold ended), broken (refused or reset), failed.
        var watches = CallTally()
        /// Election messages sent (`bully` calls: mostly heartbeats), per second of the soak.
        var bullyCallsPerSecond = 0.0
        /// Each detector firing: node, time into the soak (s), the reason recorded.
        var timeouts: [String]
    }

    let minutes: Double
    let hogs: Int
    let ordersPerSecond: Int

    /// Runs the soak on a started cluster whose leader is known; returns what it saw.
    func run(cluster: LocalCluster, probe: ExecutorProbe) throws -> Result {
        let start = TraceRecorder.systemWallClock()
        let initial = probe.leader()
        let hog = CPUHog(threads: hogs)
        let load = SteadyLoad(
            url: cluster.config.orchestrator.url, batch: 10, pause: 10.0 / Double(max(1, ordersPerSecond)))
        hog.start()
        load.start()
        var loads: [Double] = []
        var changes = 0
        var last = initial.map { "\($0.id)@\($0.epoch.map(\.description) ?? "-")" }
        let end = Date().addingTimeInterval(minutes * 60)
        var nextLoad = Date()
        while Date() < end {
            Thread.sleep(forTimeInterval: 0.5)
            if Date() >= nextLoad {
                loads.append(Self.loadAverage())
                nextLoad = Date().addingTimeInterval(5)
                FileHandle.standardError.write(
                    Data(String(format: "  soak: %.0f s left, load %.2f\n", end.timeIntervalSinceNow, loads.last!).utf8)
                )
            }
            if let leader = probe.leader(deadline: .milliseconds(200)) {
                let now = "\(leader.id)@\(leader.epoch.map(\.description) ?? "-")"
                if now != last { changes += 1 }
                last = now
            }
        }
        hog.stop()
        let approved = load.stop()
        cluster.supervisor.stop()
        var result = try count(run: cluster.run.path, after: start)
        result.bullyCallsPerSecond /= max(minutes * 60, 1)
        result.loadMin = loads.min() ?? 0
        result.loadMax = loads.max() ?? 0
        result.loadMean = loads.isEmpty ? 0 : loads.reduce(0, +) / Double(loads.count)
        result.leaderChangesSeen = changes
        result.approved = approved.count
        return result
    }

    /// Counts detector firings, election starts and new terms (`election.leader` with `self: true`) after `start`.
    private func count(run: String, after start: Int64) throws -> Result {
        var result = Result(
            minutes: minutes, hogs: hogs, loadMin: 0, loadMean: 0, loadMax: 0, heartbeatTimeouts: 0,
            electionsStarted: 0, newTerms: 0, leaderChangesSeen: 0, approved: 0, timeouts: [])
        let files = try FileManager.default.contentsOfDirectory(atPath: run).filter {
            $0.hasPrefix("executor-") && $0.contains(".jsonl")
        }
        for file in files.sorted() {
            _ = try TraceFileReader().read(path: run + "/" + file) { event in
                guard event.wallTimeNanos > start else { return }
                switch event.kind {
                case .heartbeatTimeout:
                    result.heartbeatTimeouts += 1
                    let at = Double(event.wallTimeNanos - start) / 1e9
                    let reason = event.payload(HeartbeatTimeout.self)?.reason ?? "?"
                    result.timeouts.append(String(format: "%@ at %.1f s: %@", event.node, at, reason))
                case .electionStart:
                    result.electionsStarted += 1
                case .electionLeader:
                    if event.payload(ElectionLeader.self)?.isSelf == true { result.newTerms += 1 }
                case .rpcSend:
                    switch event.payload(RPCSend.self)?.message.method {
                    case "status": result.probes.sent += 1
                    case "watch": result.watches.sent += 1
                    case "bully": result.bullyCallsPerSecond += 1
                    default: break
                    }
                case .rpcReplyReceive:
                    switch event.payload(RPCReplyReceive.self)?.message.method {
                    case "status": result.probes.answered += 1
                    case "watch": result.watches.answered += 1
                    default: break
                    }
                case .rpcFailure:
                    guard let failure = event.payload(RPCFailure.self) else { break }
                    let refused = failure.status == "unavailable"
                    switch failure.message.method {
                    case "status": if refused { result.probes.refused += 1 } else { result.probes.timedOut += 1 }
                    case "watch": if refused { result.watches.refused += 1 } else { result.watches.timedOut += 1 }
                    default: break
                    }
                default: break
                }
            }
        }
        return result
    }

    /// The 1-minute load average (0 when /proc/loadavg cannot be read).
    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
            let first = text.split(separator: " ").first
        else { return 0 }
        return Double(first) ?? 0
    }

    static func report(_ result: Result) {
        print(
            String(
                format:
                    "Failover soak: %.1f min, %d busy-loop threads, load average (1 min) min %.2f mean %.2f max %.2f",
                result.minutes, result.hogs, result.loadMin, result.loadMean, result.loadMax))
        print("  heartbeat timeouts on a live leader: \(result.heartbeatTimeouts)")
        print("  elections started:                   \(result.electionsStarted)")
        print("  new terms (leaders elected):         \(result.newTerms)")
        print("  leader/epoch changes seen in status: \(result.leaderChangesSeen)")
        print("  orders approved meanwhile:           \(result.approved)")
        print("  probes of a suspected leader:        \(result.probes.text(refused: "refused"))")
        print("  watches of the leader:               \(result.watches.text(refused: "broken"))")
        print(String(format: "  election calls (bully) per second:   %.1f", result.bullyCallsPerSecond))
        for line in result.timeouts.prefix(20) { print("    " + line) }
    }
}

/// Calls of one method the executors sent, by how they ended (from their `rpc.*` trace events).
struct CallTally: Codable {
    var sent = 0
    var answered = 0
    /// Failed `unavailable`: connection refused, reset or closed.
    var refused = 0
    /// Failed otherwise: deadline exceeded (or another transport failure).
    var timedOut = 0

    func text(refused word: String) -> String {
        "sent \(sent), answered \(answered), \(word) \(refused), timed out \(timedOut)"
    }
}

/// `threads` busy loops in this process (the same session as the cluster, so the kernel's autogroup scheduling
/// shares the CPU between them and the cluster's threads) until `stop`.
final class CPUHog: Sendable {
    private let threads: Int
    private let running = Atomic<Bool>(false)
    private let finished = Atomic<Int>(0)

    init(threads: Int) { self.threads = max(0, threads) }

    func start() {
        running.store(true, ordering: .relaxed)
        for _ in 0..<threads {
            Thread.detachNewThread { [self] in
                var spin: UInt64 = 0
                while running.load(ordering: .relaxed) {
                    for _ in 0..<10_000 { spin = spin &* 6_364_136_223_846_793_005 &+ 1 }
                }
                if spin == 42 { print("") }  // keeps the loop from being optimised away
                finished.add(1, ordering: .relaxed)
            }
        }
    }

    /// Stops every loop and waits (at most 5 s) until they have ended.
    func stop() {
        running.store(false, ordering: .relaxed)
        let deadline = Date().addingTimeInterval(5)
        while finished.load(ordering: .relaxed) < threads, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }
}
