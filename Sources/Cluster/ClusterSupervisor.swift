import Foundation
import Logging
import RPC
import Services
import TraceFormat

/// Starts every service of the cluster as a child process of one executable, waits until all are healthy,
/// reports children that die, and stops them all (SIGTERM, then SIGKILL after a grace period).
public final class ClusterSupervisor: @unchecked Sendable {
    /// One running child.
    public struct Child: Sendable {
        public var role: ServiceRole
        public var pid: Int32
        public var logPath: String
    }

    public let executable: String
    public let config: ClusterConfig
    public let configPath: String?
    public let run: RunDirectory
    private let logger: Logger
    private let lock = NSLock()
    private var processes: [ServiceRole: Process] = [:]
    private var stopping = false
    /// Called (on a background thread) when a child exits while the cluster is not stopping.
    public var onUnexpectedExit: (@Sendable (ServiceRole, Int32) -> Void)?

    public init(executable: String, config: ClusterConfig, configPath: String?, run: RunDirectory, logger: Logger) {
        self.executable = executable
        self.config = config
        self.configPath = configPath
        self.run = run
        self.logger = logger
    }

    /// The path of the running executable (to start children of the same build).
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Starts every service (queue and leaf services first, the orchestrator last).
    public func start(roles: [ServiceRole] = [.queue, .verification, .fraud, .suggestions, .orchestrator]) throws {
        for role in roles {
            try start(role)
        }
    }

    /// Starts one service.
    public func start(_ role: ServiceRole) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = ["serve", role.rawValue, "--traces", run.path]
        if let configPath { arguments += ["--config", configPath] }
        process.arguments = arguments
        let logPath = (run.path as NSString).appendingPathComponent("\(role.rawValue).log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [weak self] finished in
            guard let self else { return }
            let expected = self.lock.withLock { self.stopping }
            if !expected {
                self.logger.error(
                    "service exited unexpectedly",
                    metadata: ["service": .string(role.rawValue), "status": "\(finished.terminationStatus)",
                               "log": .string(logPath)])
                self.onUnexpectedExit?(role, finished.terminationStatus)
            }
        }
        try process.run()
        lock.withLock { processes[role] = process }
        logger.debug("started", metadata: ["service": .string(role.rawValue), "pid": "\(process.processIdentifier)"])
    }

    /// The running children.
    public var children: [Child] {
        lock.withLock {
            processes.compactMap { role, process in
                process.isRunning
                    ? Child(role: role, pid: process.processIdentifier,
                            logPath: (run.path as NSString).appendingPathComponent("\(role.rawValue).log"))
                    : nil
            }.sorted { $0.role.rawValue < $1.role.rawValue }
        }
    }

    /// Polls every service's `/healthz` until all answer, a child exits, or `timeout` passes.
    public func waitUntilHealthy(timeout: Duration = .seconds(20)) throws {
        let recorder = TraceRecorder(node: "supervisor", writer: nil)
        let quiet = Logger(label: "health") { _ in SwiftLogNoOpLogHandler() }
        let deadline = ContinuousClock.now + timeout
        var pending = Set(lock.withLock { Array(processes.keys) })
        while !pending.isEmpty {
            for role in pending {
                if let process = lock.withLock({ processes[role] }), !process.isRunning {
                    throw SupervisorError.childExited(role, process.terminationStatus, logTail(role))
                }
                let client = RPCClient(
                    peer: role.rawValue, baseURL: config.endpoint(of: role).url, recorder: recorder, logger: quiet,
                    defaultDeadline: .milliseconds(200), connectTimeout: .milliseconds(100))
                if let response = try? client.request("GET", "/healthz"), response.status == 200 {
                    pending.remove(role)
                }
            }
            if pending.isEmpty { break }
            if ContinuousClock.now > deadline {
                throw SupervisorError.notHealthy(pending.map(\.rawValue).sorted())
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Stops every child: SIGTERM, then SIGKILL for any still running after `grace`.
    public func stop(grace: Duration = .seconds(5)) {
        let running: [Process] = lock.withLock {
            stopping = true
            return Array(processes.values)
        }
        for process in running where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        let deadline = ContinuousClock.now + grace
        while running.contains(where: \.isRunning) && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        for process in running where process.isRunning {
            logger.warning("service did not stop in time; killing", metadata: ["pid": "\(process.processIdentifier)"])
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The last lines of a service's log (for error messages).
    public func logTail(_ role: ServiceRole, lines: Int = 5) -> String {
        let path = (run.path as NSString).appendingPathComponent("\(role.rawValue).log")
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// Why the cluster did not come up.
public enum SupervisorError: Error, CustomStringConvertible {
    case childExited(ServiceRole, Int32, String)
    case notHealthy([String])

    public var description: String {
        switch self {
        case .childExited(let role, let status, let tail):
            return "\(role.rawValue) exited with status \(status) while starting:\n\(tail)"
        case .notHealthy(let roles):
            return "not healthy in time: \(roles.joined(separator: ", "))"
        }
    }
}
