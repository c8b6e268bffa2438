import ArgumentParser
import Cluster
import Foundation
import Logging
import RPC
import Services

/// Options shared by the commands that start a cluster.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Cluster config file (JSON); defaults are used for what it leaves out.")
    var config: String?

    @Option(
        name: [.customLong("traces-root"), .customLong("traces")],
        help: "Root of the runs, each a new folder in it (default: the config's tracesRoot; --traces: old name).")
    var traces: String?

    @Option(
        help: ArgumentHelp(
            "The queue's data directory (default: the config's queueStore.dataDir, else <run>/queue-data).",
            discussion: "Start again on the same directory to execute the orders left waiting."))
    var data: String?

    /// The queue's data directory for a run.
    func dataDirectory(cluster: ClusterConfig, run: RunDirectory) -> String {
        RunProcesses.resolve(
            data ?? cluster.queueStore.dataDir ?? (run.path as NSString).appendingPathComponent("queue-data"))
    }

    func load() throws -> (ClusterConfig, String?) {
        var cluster = try config.map(ClusterConfig.load(path:)) ?? ClusterConfig()
        if let traces { cluster.tracesRoot = traces }
        return (cluster, config)
    }
}

/// `bookstore up`: starts every service as a child process and runs until Ctrl-C / SIGTERM.
struct UpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Start every service on this machine; stop them all on Ctrl-C or SIGTERM.")

    @OptionGroup var options: ClusterOptions
    @OptionGroup var logs: LogOptions

    func run() throws {
        TerminationSignals.block()
        let (cluster, configPath) = try options.load()
        let logger = CLILogger.make(label: "up", level: logs.logLevel.level)
        let runID: String?
        do {
            runID = try cluster.sharedRunID(environment: ProcessInfo.processInfo.environment)
        } catch {
            CLIOutput.error("error: \(error)")
            throw ExitCode(1)
        }
        let run = try RunDirectory.create(root: cluster.tracesRoot, runID: runID)
        let supervisor = ClusterSupervisor(
            executable: ClusterSupervisor.currentExecutable, config: cluster, configPath: configPath, run: run,
            logger: logger, dataDirectory: options.dataDirectory(cluster: cluster, run: run),
            serveArguments: logs.serveArguments)
        supervisor.onUnexpectedExit = { role, status in
            CLIOutput.line("! \(role) exited with status \(status); see \(run.path)/\(role).log")
        }
        do {
            try supervisor.start()
            try supervisor.waitUntilHealthy()
        } catch {
            CLIOutput.line("cluster did not start: \(error)")
            supervisor.stop()
            throw ExitCode(1)
        }
        CLIOutput.line("Bookstore cluster is up (run \(run.runID)).")
        for child in supervisor.children {
            CLIOutput.line(
                "  \(child.name.padding(toLength: 13, withPad: " ", startingAt: 0)) \(child.url)  pid \(child.pid)")
        }
        CLIOutput.line("Checkout page: \(cluster.orchestrator.url)/")
        CLIOutput.line(
            "Traces and logs: \(run.path)   (<node>.jsonl.gz, <node>.log in \(logs.logFormat.rawValue); Ctrl-C stops)")
        let secret = "\(run.path)/\(SecuritySettings.runSecretFileName)"
        if FileManager.default.fileExists(atPath: secret) {
            CLIOutput.line("Internal RPCs need this run's secret: \(secret) (chaos finds it; see docs/security.md)")
        }
        CLIOutput.line("Queue data: \(supervisor.dataDirectory ?? "-")   (`up --data` on it resumes waiting orders)")
        _ = TerminationSignals.wait()
        CLIOutput.line("stopping…")
        supervisor.stop()
        CLIOutput.line("stopped; traces in \(run.path)")
    }
}

/// Writes whole lines to stdout without Swift 6's shared-stdout restrictions.
enum CLIOutput {
    static func line(_ text: String) {
        var bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
    }

    static func error(_ text: String) {
        var bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}

/// Loggers of the CLI itself (not of services): text on stderr, no trace file.
enum CLILogger {
    static func make(label: String, level: Logger.Level = .info) -> Logger {
        Logger(label: label) { label in TraceLogHandler(label: label, recorder: nil, format: .text, level: level) }
    }
}
