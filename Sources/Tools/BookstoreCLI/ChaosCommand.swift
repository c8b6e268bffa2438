import ArgumentParser
import Cluster
import Foundation
import Services

/// `bookstore chaos`: faults for the services of a running cluster. Every signal goes only to a pid proven to
/// belong to the run: its pid file `<run>/<node>.pid` names it and `/proc/PID/cmdline` is that node's
/// `bookstore serve … --traces <run>`.
struct ChaosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos", abstract: "Inject faults into the services of a running cluster.",
        subcommands: [KillLeader.self, PauseLeader.self, Kill.self, Restart.self, Status.self])

    struct Options: ParsableArguments {
        @Option(help: "Cluster config file.") var config: String?
        @Option(name: .customLong("run"), help: "The run directory (default: <tracesRoot>/latest).")
        var runDirectory: String?

        func cluster() throws -> ClusterConfig { try config.map(ClusterConfig.load(path:)) ?? ClusterConfig() }

        /// A probe that presents the cluster credential: the configured one, else the run's `cluster.secret`
        /// (what `bookstore up` generated).
        func probe(_ cluster: ClusterConfig) throws -> ExecutorProbe {
            let directory = runDirectory ?? (cluster.tracesRoot as NSString).appendingPathComponent("latest")
            let credential = try cluster.security.credential(runDirectory: directory)
            if credential == nil { CLIOutput.error("warning: no cluster credential found; executors will refuse") }
            return ExecutorProbe(settings: cluster.executors, credential: credential, security: cluster.security)
        }

        /// The run's processes (its directory must exist).
        func run(_ cluster: ClusterConfig) throws -> RunProcesses {
            let path = runDirectory ?? (cluster.tracesRoot as NSString).appendingPathComponent("latest")
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ChaosError("no run directory at \(path) (use --run DIR)")
            }
            return RunProcesses(directory: path)
        }
    }

    /// `chaos status`: what each executor believes.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each executor's role and epoch.")
        @OptionGroup var options: Options
        @Option(help: "Output: text or json.") var format: OutputFormat = .text

        func run() throws {
            let statuses = try options.probe(try options.cluster()).statuses()
            guard !statuses.isEmpty else { throw ChaosError("no executor answers") }
            if format == .json { return CLIOutput.line(ChaosStatusReport(statuses).json) }
            for status in statuses {
                CLIOutput.line(
                    "\(status.node)  pid \(status.pid)  \(status.role)  epoch \(status.epoch.map { "\($0)" } ?? "-")  "
                        + "leader \(status.leader.map { "executor-\($0)" } ?? "-")  committed \(status.committed)")
            }
        }
    }

    /// `chaos kill-leader`: SIGKILL the current leader.
    struct KillLeader: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "SIGKILL the current leader.")
        @OptionGroup var options: Options

        func run() throws {
            let cluster = try options.cluster()
            guard let leader = try options.probe(cluster).leader() else {
                throw ChaosError("no executor claims to lead")
            }
            try Signals.send(SIGKILL, to: leader.pid, node: leader.node, run: try options.run(cluster))
            CLIOutput.line(
                "killed \(leader.node) (pid \(leader.pid), leader of epoch \(leader.epoch.map { "\($0)" } ?? "-"))")
        }
    }

    /// `chaos pause-leader --duration 1s`: SIGSTOP, wait, SIGCONT.
    struct PauseLeader: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "SIGSTOP the current leader, then SIGCONT it.")
        @OptionGroup var options: Options
        @Option(help: "How long to pause, e.g. 800ms or 2s.") var duration: String = "1s"

        func run() throws {
            guard let seconds = DurationText.seconds(duration), seconds >= 0, seconds <= 3600 else {
                throw ValidationError("bad --duration \(duration)")
            }
            let cluster = try options.cluster()
            guard let leader = try options.probe(cluster).leader() else {
                throw ChaosError("no executor claims to lead")
            }
            let run = try options.run(cluster)
            try Signals.send(SIGSTOP, to: leader.pid, node: leader.node, run: run)
            CLIOutput.line(
                "paused \(leader.node) (pid \(leader.pid), epoch \(leader.epoch.map { "\($0)" } ?? "-")) for \(duration)"
            )
            Thread.sleep(forTimeInterval: seconds)
            // SIGCONT to the same pid only while it is still the node's process of the run.
            try Signals.send(SIGCONT, to: leader.pid, node: leader.node, run: run)
            CLIOutput.line("resumed \(leader.node)")
        }
    }

    /// `chaos kill SERVICE`.
    struct Kill: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "SIGKILL one service: queue, fraud, verification, suggestions, orchestrator, executor-N (or N).")
        @OptionGroup var options: Options
        @Argument(help: "The service (an executor also by its id).") var service: String

        func run() throws {
            let cluster = try options.cluster()
            let node = try ServiceName.node(service, cluster: cluster)
            let run = try options.run(cluster)
            guard let pid = run.pidFile(node: node) else {
                throw ChaosError("\(node) has no pid file in \(run.directory)")
            }
            try Signals.send(SIGKILL, to: pid, node: node, run: run)
            CLIOutput.line("killed \(node) (pid \(pid))")
        }
    }

    /// `chaos restart SERVICE`: start a stopped service again into the same run.
    struct Restart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a service again into the running cluster's run (e.g. after `chaos kill`).")
        @OptionGroup var options: Options
        @Option(help: "The queue's data directory (default: as the supervisor started it, else <run>/queue-data).")
        var data: String?
        @Argument(help: "The service (an executor also by its id).") var service: String

        func run() throws {
            let cluster = try options.cluster()
            let node = try ServiceName.node(service, cluster: cluster)
            let run = try options.run(cluster)
            if let pid = run.livePID(node: node) { throw ChaosError("\(node) is running (pid \(pid))") }
            // As the supervisor started it (same data directory and config), unless told otherwise.
            let recorded = data == nil ? run.recordedArguments(node: node) : nil
            let arguments = recorded ?? defaultArguments(node, run)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ClusterSupervisor.currentExecutable)
            process.arguments = arguments
            try ClusterSupervisor.sendOutput(of: process, toLog: "\(run.directory)/\(node).log")
            try process.run()
            // Written now (the service rewrites it once it listens) so that a stop right away finds it.
            try? "\(process.processIdentifier)\n".write(
                toFile: "\(run.directory)/\(node).pid", atomically: true, encoding: .utf8)
            CLIOutput.line("started \(node) (pid \(process.processIdentifier)) tracing into \(run.directory)")
        }

        /// `serve <service> … --traces <run>` when the supervisor left no record of how it started the node.
        private func defaultArguments(_ node: String, _ run: RunProcesses) -> [String] {
            var arguments = ["serve"]
            if node.hasPrefix("executor-") {
                arguments += ["executor", "--id", String(node.dropFirst("executor-".count))]
            } else {
                arguments.append(node)
            }
            if node == ServiceRole.queue.rawValue {
                arguments += ["--data", data ?? (run.directory as NSString).appendingPathComponent("queue-data")]
            }
            return arguments + ["--traces", run.directory] + (options.config.map { ["--config", $0] } ?? [])
        }
    }
}

/// Service names on the command line.
enum ServiceName {
    /// The node id for `queue`, `fraud`, …, `executor-2` or `2`.
    static func node(_ name: String, cluster: ClusterConfig) throws -> String {
        if let role = ServiceRole(rawValue: name) { return role.rawValue }
        let id = Int(name) ?? (name.hasPrefix("executor-") ? Int(name.dropFirst("executor-".count)) : nil)
        if let id, let replica = cluster.executors.replica(id) { return replica.node }
        let known = ServiceRole.allCases.map(\.rawValue) + cluster.executors.replicas.map(\.node)
        throw ChaosError("unknown service \(name) (one of: \(known.joined(separator: ", ")))")
    }
}

/// Signals that are sent only after the pid is proven to be the node's process of the run.
enum Signals {
    static func send(_ signal: Int32, to pid: Int32, node: String, run: RunProcesses) throws {
        do {
            try run.verify(node: node, pid: pid)
        } catch {
            throw ChaosError("refusing to signal pid \(pid): \(error)")
        }
        guard kill(pid, signal) == 0 else {
            let code = errno
            throw ChaosError("kill(\(pid), \(signal)) failed: \(String(cString: strerror(code))) (errno \(code))")
        }
    }
}

struct ChaosError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Parses `500ms`, `2s`, `1.5s`.
enum DurationText {
    static func seconds(_ text: String) -> Double? {
        if text.hasSuffix("ms"), let value = Double(text.dropLast(2)) { return value / 1000 }
        if text.hasSuffix("s"), let value = Double(text.dropLast()) { return value }
        return Double(text)
    }
}
