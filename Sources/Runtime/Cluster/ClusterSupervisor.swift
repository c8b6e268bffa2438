import ClusterProtocol
import Foundation
import Logging
import RPC
import Services
import TraceFormat

/// Starts every service of the cluster (and the executor replicas) as child processes of one executable,
/// waits until all are healthy, restarts children that die unexpectedly (with backoff, giving up after
/// `maxRestarts` in `windowSeconds`, recorded in the `supervisor` node's trace), applies faults, and stops them
/// all in dependency order (see `stop(grace:)`).
///
/// `@unchecked Sendable` is sound: every stored `var` is read and written only while holding `lock` (the public
/// settable properties are computed over lock-guarded storage); `restartLock` only orders restarts with `stop`.
public final class ClusterSupervisor: @unchecked Sendable {
    /// How to launch one process of the cluster.
    public struct Launch: Sendable, Hashable {
        /// The node id: `orchestrator`, `executor-2`, …
        public var name: String
        public var arguments: [String]
        /// Where `/healthz` answers: `https://…` for internal services when `security.tls` is set.
        public var url: String
        /// The CA `url`'s certificate is verified against (nil for plain HTTP).
        public var caFile: String? = nil
    }

    /// One running child.
    public struct Child: Sendable {
        public var name: String
        public var pid: Int32
        public var url: String
    }

    public let executable: String
    public let config: ClusterConfig
    public let configPath: String?
    public let run: RunDirectory
    /// The cluster credential the children share: the configured one, else a random one generated for this run
    /// into `<run>/cluster.secret` (mode 0600) and given to the children as `BOOKSTORE_CLUSTER_SECRET_FILE`.
    public let credential: ClusterCredential
    private let childEnvironment: [String: String]?
    /// The queue's data directory (`--data`); nil lets the queue choose.
    public let dataDirectory: String?
    /// Appended to every child's `serve` command line (e.g. `--log-format json --log-level debug`).
    public let serveArguments: [String]
    let logger: Logger
    let lock = NSLock()
    var processes: [String: Process] = [:]
    var expectedExits: Set<Int32> = []
    var stopping = false
    /// Serialises automatic restarts with `stop` (see `exitedUnexpectedly`).
    let restartLock = NSLock()
    private var policy: RestartPolicy
    private var gaveUp: Set<String> = []
    /// The supervisor's own trace (`supervisor.jsonl.gz`): restarts and give-ups, opened at the first one.
    private var traceRecorder: TraceRecorder?
    var recorder: TraceRecorder? {
        lock.withLock {
            if traceRecorder == nil { traceRecorder = try? TraceRecorder.file(node: "supervisor", directory: run.path) }
            return traceRecorder
        }
    }
    /// The supervisor's trace if it was opened (closed at the end of `stop`).
    var openedRecorder: TraceRecorder? { lock.withLock { traceRecorder } }
    private var restarts = true
    private var unexpectedExitHandler: (@Sendable (String, Int32) -> Void)?
    /// False turns automatic restarts off (a child's unexpected exit is then only reported).
    public var restartsEnabled: Bool {
        get { lock.withLock { restarts } }
        set { lock.withLock { restarts = newValue } }
    }
    /// Called (on a background thread) when a child exits that nobody stopped or killed on purpose.
    public var onUnexpectedExit: (@Sendable (String, Int32) -> Void)? {
        get { lock.withLock { unexpectedExitHandler } }
        set { lock.withLock { unexpectedExitHandler = newValue } }
    }

    public init(
        executable: String, config: ClusterConfig, configPath: String?, run: RunDirectory, logger: Logger,
        dataDirectory: String? = nil, serveArguments: [String] = []
    ) {
        self.executable = executable
        self.serveArguments = serveArguments
        self.config = config
        self.configPath = configPath
        self.run = run
        self.logger = logger
        var configured: ClusterCredential?
        do {
            configured = try config.security.credential(runDirectory: run.path)
        } catch {
            logger.error("the configured cluster secret is unusable; children will refuse to start: \(error)")
        }
        if let configured {
            credential = configured
            childEnvironment = nil
        } else {
            let generated = ClusterCredential.generate()
            let path = (run.path as NSString).appendingPathComponent(SecuritySettings.runSecretFileName)
            do {
                try generated.write(to: path)
            } catch {
                logger.error("cannot write the run's cluster secret to \(path): \(error)")
            }
            credential = generated
            var environment = ProcessInfo.processInfo.environment
            environment[ClusterCredential.secretFileEnvironment] = path
            environment[ClusterCredential.secretEnvironment] = nil
            childEnvironment = environment
        }
        self.dataDirectory = dataDirectory
        policy = RestartPolicy(settings: config.supervision)
    }

    /// The path of the running executable (to start children of the same build).
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Every process of the cluster: the queue and leaf services first, then the orchestrator, then executors.
    public var launches: [Launch] {
        let roles: [ServiceRole] = [.queue, .verification, .fraud, .suggestions, .orchestrator]
        return roles.map {
            // The queue's log goes into the run unless `--data` or the config names a data directory.
            let directory = dataDirectory ?? (config.queueStore.dataDir == nil ? "\(run.path)/queue-data" : nil)
            let data = $0 == .queue ? (directory.map { ["--data", $0] } ?? []) : []
            // The orchestrator serves plain HTTP (public); the others HTTPS when `security.tls` is set.
            let endpoint = config.endpoint(of: $0)
            let target =
                $0 == .orchestrator
                ? InternalTarget(baseURL: endpoint.url, caFile: nil) : config.security.target(of: endpoint)
            return Launch(
                name: $0.rawValue, arguments: ["serve", $0.rawValue] + data, url: target.baseURL,
                caFile: target.caFile)
        }
            + config.executors.replicas.map {
                let target = config.security.target(of: $0.endpoint)
                return Launch(
                    name: $0.node, arguments: ["serve", "executor", "--id", "\($0.id)"], url: target.baseURL,
                    caFile: target.caFile)
            }
    }

    /// Starts every process (or only those named).
    public func start(only names: Set<String>? = nil) throws {
        for launch in launches where names?.contains(launch.name) ?? true {
            try start(launch)
        }
    }

    /// Starts (or restarts) the process `name`.
    public func start(name: String) throws {
        guard let launch = launches.first(where: { $0.name == name }) else {
            throw SupervisorError.unknown(name)
        }
        // Like an automatic restart: serialised with `stop`, and never a second process for one node.
        try restartLock.withLock {
            guard !lock.withLock({ stopping }) else { throw SupervisorError.stopping(name) }
            if lock.withLock({ processes[name]?.isRunning ?? false }) { throw SupervisorError.running(name) }
            try start(launch)
        }
    }

    private func start(_ launch: Launch) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = launch.arguments + serveArguments + ["--traces", RunProcesses.resolve(run.path)]
        if let configPath { arguments += ["--config", RunProcesses.resolve(configPath)] }
        process.arguments = arguments
        if let childEnvironment { process.environment = childEnvironment }
        RunProcesses(directory: run.path).recordArguments(arguments, node: launch.name)
        let logPath = (run.path as NSString).appendingPathComponent("\(launch.name).log")
        try Self.sendOutput(of: process, toLog: logPath)
        let name = launch.name
        process.terminationHandler = { [weak self] finished in
            guard let self else { return }
            let (expected, onUnexpectedExit) = self.lock.withLock {
                (
                    self.stopping || self.expectedExits.remove(finished.processIdentifier) != nil,
                    self.unexpectedExitHandler
                )
            }
            if !expected {
                self.logger.error(
                    "service exited unexpectedly",
                    metadata: [
                        "service": .string(name), "status": "\(finished.terminationStatus)", "log": .string(logPath),
                    ])
                onUnexpectedExit?(name, finished.terminationStatus)
                self.exitedUnexpectedly(launch, status: finished.terminationStatus)
            }
        }
        try process.run()
        lock.withLock { processes[name] = process }
        logger.debug("started", metadata: ["service": .string(name), "pid": "\(process.processIdentifier)"])
    }

    /// Restarts `launch` after the policy's backoff, or gives up on it; both are logged and traced.
    private func exitedUnexpectedly(_ launch: Launch, status: Int32) {
        guard restartsEnabled else { return }
        let decision = lock.withLock { stopping ? nil : policy.onExit(launch.name, now: Self.monotonicNanos()) }
        switch decision {
        case nil:
            return
        case .giveUp(let restarts):
            let policy = lock.withLock {
                _ = gaveUp.insert(launch.name)
                return self.policy
            }
            logger.critical(
                "giving up on a service",
                metadata: [
                    "service": .string(launch.name), "restarts": "\(restarts)",
                    "window_s": "\(policy.settings.windowSeconds)",
                ])
            recorder?.record(
                ServiceGaveUp(service: launch.name, restarts: restarts, windowSeconds: policy.settings.windowSeconds))
        case .restart(let delayMs, let restarts):
            logger.warning(
                "restarting a service", metadata: ["service": .string(launch.name), "backoff_ms": "\(delayMs)"])
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delayMs)) { [weak self] in
                guard let self else { return }
                // Held until the restarted child is registered: a `stop` that begins meanwhile waits for it and
                // then stops it too, instead of leaving it running.
                self.restartLock.lock()
                defer { self.restartLock.unlock() }
                guard !self.lock.withLock({ self.stopping }) else { return }
                if let adopted = RunProcesses(directory: self.run.path).livePID(node: launch.name) {
                    self.logger.notice(
                        "not restarting: another process runs it",
                        metadata: ["service": .string(launch.name), "pid": "\(adopted)"])
                    return
                }
                do {
                    try self.start(launch)
                    self.recorder?.record(
                        ServiceRestarted(service: launch.name, status: status, restarts: restarts, backoffMs: delayMs))
                } catch {
                    self.logger.error(
                        "restart failed", metadata: ["service": .string(launch.name), "cause": "\(error)"])
                }
            }
        }
    }

    /// Services the supervisor gave up restarting.
    public var abandoned: Set<String> { lock.withLock { gaveUp } }

    static func monotonicNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Points a child's stdout and stderr at the end of `path` (created if needed); stdin at /dev/null.
    public static func sendOutput(of process: Process, toLog path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
    }

    /// The running children.
    public var children: [Child] {
        let launches = Dictionary(uniqueKeysWithValues: self.launches.map { ($0.name, $0) })
        return lock.withLock {
            processes.compactMap { name, process in
                process.isRunning
                    ? Child(name: name, pid: process.processIdentifier, url: launches[name]?.url ?? "") : nil
            }.sorted { $0.name < $1.name }
        }
    }

    /// Sends `signal` to child `name` (a fault on purpose: its exit is not reported as unexpected).
    @discardableResult
    public func signal(_ signal: Int32, to name: String) -> Bool {
        guard let process = lock.withLock({ processes[name] }), process.isRunning else { return false }
        if signal == SIGKILL || signal == SIGTERM {
            _ = lock.withLock { expectedExits.insert(process.processIdentifier) }
        }
        kill(process.processIdentifier, signal)
        if signal == SIGKILL { process.waitUntilExit() }
        return true
    }

    /// Polls `/healthz` of every child (or those named) until all answer, a child exits, or `timeout` passes.
    public func waitUntilHealthy(only names: Set<String>? = nil, timeout: Duration = .seconds(20)) throws {
        let recorder = TraceRecorder(node: "supervisor", writer: nil)
        let quiet = Logger(label: "health") { _ in SwiftLogNoOpLogHandler() }
        let deadline = ContinuousClock.now + timeout
        var pending = Set(lock.withLock { Array(processes.keys) }).filter { names?.contains($0) ?? true }
        let launches = Dictionary(uniqueKeysWithValues: self.launches.map { ($0.name, $0) })
        while !pending.isEmpty {
            for name in pending {
                if let process = lock.withLock({ processes[name] }), !process.isRunning {
                    throw SupervisorError.childExited(name, process.terminationStatus, logTail(name))
                }
                let client = RPCClient(
                    peer: name, baseURL: launches[name]?.url ?? "", recorder: recorder, logger: quiet,
                    defaultDeadline: .milliseconds(200), connectTimeout: .milliseconds(100), propagatesContext: false,
                    caFile: launches[name]?.caFile)
                if let response = try? client.request("GET", "/healthz"), response.status == 200 {
                    pending.remove(name)
                }
            }
            if pending.isEmpty { break }
            if ContinuousClock.now > deadline {
                throw SupervisorError.notHealthy(pending.sorted())
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The last lines of a service's log (for error messages).
    public func logTail(_ name: String, lines: Int = 5) -> String {
        let path = (run.path as NSString).appendingPathComponent("\(name).log")
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// Why the cluster did not come up.
public enum SupervisorError: Error, CustomStringConvertible {
    case childExited(String, Int32, String)
    case notHealthy([String])
    case unknown(String)
    case stopping(String)
    case running(String)

    public var description: String {
        switch self {
        case .childExited(let name, let status, let tail):
            return "\(name) exited with status \(status) while starting:\n\(tail)"
        case .notHealthy(let names):
            return "not healthy in time: \(names.joined(separator: ", "))"
        case .unknown(let name):
            return "no service named \(name)"
        case .stopping(let name):
            return "not starting \(name): the cluster is stopping"
        case .running(let name):
            return "\(name) is running already"
        }
    }
}
