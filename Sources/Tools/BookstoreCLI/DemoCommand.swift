import ArgumentParser
import Cluster
import Foundation
import RPC
import Services
import Synchronization
import TraceFormat

/// `bookstore demo` (what `make run` runs): cluster up, orders flowing, the leader killed mid-run, a new leader
/// taking over, the load finishing, cluster down, and a summary.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the cluster, send orders, kill the leader executor mid-run, stop, and summarize.")

    @OptionGroup var options: ClusterOptions
    @OptionGroup var logs: LogOptions
    @Option(help: "Orders to send.") var orders: Int = 600
    @Option(help: "Concurrent clients.") var concurrency: Int = 4
    @Option(help: "Seconds into the load at which the leader is killed (negative: never).") var killAfter: Double = 1

    func run() throws {
        TerminationSignals.block()
        let (cluster, configPath) = try options.load()
        let run = try RunDirectory.create(root: cluster.tracesRoot)
        let supervisor = ClusterSupervisor(
            executable: ClusterSupervisor.currentExecutable, config: cluster, configPath: configPath, run: run,
            logger: CLILogger.make(label: "demo", level: logs.logLevel.level),
            dataDirectory: options.dataDirectory(cluster: cluster, run: run), serveArguments: logs.serveArguments)
        CLIOutput.line("Starting the cluster (run \(run.runID))…")
        do {
            try supervisor.start()
            try supervisor.waitUntilHealthy()
        } catch {
            CLIOutput.line("cluster did not start: \(error)")
            supervisor.stop()
            throw ExitCode(1)
        }
        defer { supervisor.stop() }
        let probe = ExecutorProbe(
            settings: cluster.executors, credential: supervisor.credential, security: cluster.security)
        guard let first = probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(5)) else {
            CLIOutput.line("no executor became leader")
            throw ExitCode(1)
        }
        CLIOutput.line(
            "Cluster is up: checkout page at \(cluster.orchestrator.url)/, leader \(first.node) (epoch \(first.epoch!))"
        )
        CLIOutput.line("Sending \(orders) orders with \(concurrency) clients…")

        let recorder = try TraceRecorder.file(node: "load", directory: run.path)
        let box = DemoReport()
        let done = DispatchSemaphore(value: 0)
        let (url, count, clients, credential) = (cluster.orchestrator.url, orders, concurrency, supervisor.credential)
        Thread.detachNewThread {
            box.report = LoadRun.execute(
                url: url, orders: count, concurrency: clients, mix: .standard, seed: 42, recorder: recorder,
                credential: credential)
            done.signal()
        }

        var failover: String?
        if killAfter >= 0 {
            Thread.sleep(forTimeInterval: killAfter)
            if let leader = probe.leader() {
                let killed = ContinuousClock.now
                supervisor.signal(SIGKILL, to: leader.node)
                CLIOutput.line(
                    "Killed the leader \(leader.node) (pid \(leader.pid), epoch \(leader.epoch!)) with SIGKILL")
                if let next = probe.waitForNewLeader(excluding: leader.id, after: leader.epoch, timeout: .seconds(5)) {
                    let elapsed = ContinuousClock.now - killed
                    failover =
                        "\(leader.node) → \(next.node) (epoch \(next.epoch!)), seen by polling after \(elapsed.wholeMilliseconds) ms"
                    CLIOutput.line(
                        "New leader: \(next.node) (epoch \(next.epoch!)) after \(elapsed.wholeMilliseconds) ms")
                } else {
                    CLIOutput.line("No new leader within 5 s!")
                }
                try? supervisor.start(name: leader.node)
                CLIOutput.line("Restarted \(leader.node); it rejoins as a follower or bullies its way back")
            }
        }
        done.wait()
        recorder.close()
        let report = box.report!
        LoadRun.print(report, format: .text)
        let snapshot = QueueDrain.wait(config: cluster, timeout: .seconds(20), credential: supervisor.credential)
        let committed = Set(snapshot?.commits.map(\.orderId) ?? [])
        let approved = Set(report.approvedOrderIDs)
        supervisor.stop()
        CLIOutput.line("")
        CLIOutput.line("Summary")
        CLIOutput.line("  orders approved:  \(approved.count)")
        CLIOutput.line(
            "  orders committed: \(committed.count)  (lost: \(approved.subtracting(committed).count), "
                + "unexpected: \(committed.subtracting(approved).count))")
        if let failover { CLIOutput.line("  failover:         \(failover)") }
        CLIOutput.line("  traces:           \(run.path)/*.jsonl.gz  (also \(cluster.tracesRoot)/latest)")
        CLIOutput.line("  look at one:      zcat \(run.path)/orchestrator.jsonl.gz | head -3")
        CLIOutput.line("  check them:       trace-analyzer check \(run.path)")
        CLIOutput.line("  the failover:     trace-analyzer failover \(run.path)")
        if approved != committed { throw ExitCode(1) }
    }
}

private final class DemoReport: Sendable {
    private let value = Mutex<LoadGenerator.Report?>(nil)
    var report: LoadGenerator.Report? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
