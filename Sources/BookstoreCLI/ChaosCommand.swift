import ArgumentParser
import Cluster
import Foundation
import Services

/// `bookstore chaos`: faults for the executors of a running cluster.
struct ChaosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos", abstract: "Inject faults into the executors of a running cluster.",
        subcommands: [KillLeader.self, PauseLeader.self, Kill.self, Restart.self, Status.self])

    struct Options: ParsableArguments {
        @Option(help: "Cluster config file.") var config: String?

        func cluster() throws -> ClusterConfig { try config.map(ClusterConfig.load(path:)) ?? ClusterConfig() }

        /// A probe that presents the cluster credential: the configured one, else the newest run's
        /// `<tracesRoot>/latest/cluster.secret` (what `bookstore up` generated).
        func probe() throws -> ExecutorProbe {
            let cluster = try cluster()
            let credential = try cluster.security.credential(runDirectory: "\(cluster.tracesRoot)/latest")
            if credential == nil { CLIOutput.line("warning: no cluster credential found; executors will refuse") }
            return ExecutorProbe(settings: cluster.executors, credential: credential)
        }
    }

    /// `chaos status`: what each executor believes.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each executor's role and epoch.")
        @OptionGroup var options: Options

        func run() throws {
            let statuses = try options.probe().statuses()
            guard !statuses.isEmpty else { throw ChaosError("no executor answers") }
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
            guard let leader = try options.probe().leader() else {
                throw ChaosError("no executor claims to lead")
            }
            kill(leader.pid, SIGKILL)
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
            guard let seconds = DurationText.seconds(duration) else {
                throw ValidationError("bad --duration \(duration)")
            }
            guard let leader = try options.probe().leader() else {
                throw ChaosError("no executor claims to lead")
            }
            kill(leader.pid, SIGSTOP)
            CLIOutput.line(
                "paused \(leader.node) (pid \(leader.pid), epoch \(leader.epoch.map { "\($0)" } ?? "-")) for \(duration)"
            )
            Thread.sleep(forTimeInterval: seconds)
            kill(leader.pid, SIGCONT)
            CLIOutput.line("resumed \(leader.node)")
        }
    }

    /// `chaos kill ID`.
    struct Kill: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "SIGKILL executor ID.")
        @OptionGroup var options: Options
        @Argument(help: "Executor id.") var id: Int

        func run() throws {
            guard
                let status = try options.probe().statuses().first(where: {
                    $0.id == id
                })
            else { throw ChaosError("executor-\(id) does not answer") }
            kill(status.pid, SIGKILL)
            CLIOutput.line("killed executor-\(id) (pid \(status.pid))")
        }
    }

    /// `chaos restart ID`: start executor ID again into the same run.
    struct Restart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start executor ID again (into the running cluster's run).")
        @OptionGroup var options: Options
        @Option(
            name: .customLong("run"),
            help: "Run directory (default: where the other executors trace, else <tracesRoot>/latest).")
        var runDirectory: String?
        @Argument(help: "Executor id.") var id: Int

        func run() throws {
            let cluster = try options.cluster()
            let probe = try options.probe()
            let statuses = probe.statuses()
            if let running = statuses.first(where: { $0.id == id }) {
                throw ChaosError("executor-\(id) is running (pid \(running.pid))")
            }
            let directory =
                runDirectory ?? statuses.compactMap(\.tracesDirectory).first ?? "\(cluster.tracesRoot)/latest"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ClusterSupervisor.currentExecutable)
            process.arguments =
                ["serve", "executor", "--id", "\(id)", "--traces", directory]
                + (options.config.map { ["--config", $0] } ?? [])
            try ClusterSupervisor.sendOutput(of: process, toLog: "\(directory)/executor-\(id).log")
            try process.run()
            CLIOutput.line("started executor-\(id) (pid \(process.processIdentifier)) tracing into \(directory)")
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
