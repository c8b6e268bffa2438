import Checkout
import Cluster
import Foundation
import RPC
import Services
import TraceFormat

/// A cluster started as the user starts one: `bookstore up --config <generated>` as a child of this process, the
/// config putting every service on a free loopback port, in a temporary folder removed at `stop`.
struct IdleCluster {
    let up: Process
    let root: String
    let config: ClusterConfig
    let runDirectory: String
    let credential: ClusterCredential

    /// The run's id (`<root>/runs/<runID>`).
    static let runID = "idle"

    /// Writes the config and the cluster secret, starts `bookstore up`, and waits (at most 60 s) until it says the
    /// cluster is up. Throws with the end of its output when it exits or does not come up.
    static func start(executable: String, traced: Bool) throws -> IdleCluster {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("idle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var config = LocalCluster.freePortConfig()
        let secretPath = (root as NSString).appendingPathComponent("cluster.secret")
        let credential = ClusterCredential.generate()
        try credential.write(to: secretPath)
        config.security.secretFile = secretPath
        config.fraudModel = FileManager.default.currentDirectoryPath + "/models/fraud-model.json"
        config.tracesRoot = (root as NSString).appendingPathComponent("runs")
        config.runID = runID
        config = config.resolvingPaths(against: FileManager.default.currentDirectoryPath)
        let configPath = (root as NSString).appendingPathComponent("cluster.json")
        try JSONEncoder().encode(config).write(to: URL(fileURLWithPath: configPath))

        let up = Process()
        up.executableURL = URL(fileURLWithPath: executable)
        up.arguments = ["up", "--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        if !traced { environment["BOOKSTORE_TRACING"] = "off" }
        up.environment = environment
        let logPath = (root as NSString).appendingPathComponent("up.log")
        try ClusterSupervisor.sendOutput(of: up, toLog: logPath)
        try up.run()
        let cluster = IdleCluster(
            up: up, root: root, config: config,
            runDirectory: (config.tracesRoot as NSString).appendingPathComponent(runID), credential: credential)
        let deadline = ContinuousClock.now + .seconds(60)
        while !Self.log(logPath).contains("Bookstore cluster is up") {
            guard up.isRunning, ContinuousClock.now < deadline else {
                let tail = Self.log(logPath).split(separator: "\n").suffix(10).joined(separator: "\n")
                cluster.stop()
                throw IdleError.notUp(tail)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return cluster
    }

    private static func log(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Every process of the cluster: the services by their pid files, and `bookstore up` as `supervisor`.
    func processes() -> [(name: String, pid: Int32)] {
        RunProcesses(directory: runDirectory).live().map { ($0.node, $0.pid) } + [("supervisor", up.processIdentifier)]
    }

    /// Sends `orders` checkouts from 4 clients and waits (at most 60 s) until the executors committed them.
    func warmUp(orders: Int) {
        _ = LoadGenerator(
            baseURL: config.orchestrator.url, orders: orders, concurrency: 4, year: CalendarDate.utcNow().year
        ).run(recorder: TraceRecorder(node: "bench", writer: nil))
        _ = QueueDrain.wait(config: config, timeout: .seconds(60), credential: credential)
    }

    /// Stops `bookstore up` with SIGTERM (it stops the services in order), kills what is left after 30 s, and
    /// removes the folder.
    func stop() {
        let services = RunProcesses(directory: runDirectory).live()
        if up.isRunning { kill(up.processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(30)
        while up.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if up.isRunning {
            kill(up.processIdentifier, SIGKILL)
            up.waitUntilExit()
        }
        for service in services where RunProcesses(directory: runDirectory).livePID(node: service.node) != nil {
            kill(service.pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// `/proc/loadavg`'s three load averages.
    static func loadAverage() -> String? {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ")
    }
}

/// Why `bookstore-bench idle` could not measure.
enum IdleError: Error, CustomStringConvertible {
    case notUp(String)

    var description: String {
        switch self {
        case .notUp(let tail): return "the cluster did not come up; the end of `bookstore up`'s output:\n\(tail)"
        }
    }
}
