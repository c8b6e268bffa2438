import ArgumentParser
import Cluster
import Foundation
import RPC
import Services
import TraceFormat

/// `bookstore demo` (what `make run` runs): cluster up, a short load, cluster down, where the traces are.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Start the cluster, run a short load against it, stop it, show the traces.")

    @OptionGroup var options: ClusterOptions
    @Option(help: "Orders to send.") var orders: Int = 400
    @Option(help: "Concurrent clients.") var concurrency: Int = 8

    func run() throws {
        TerminationSignals.block()
        let (cluster, configPath) = try options.load()
        let logger = CLILogger.make(label: "demo")
        let run = try RunDirectory.create(root: cluster.tracesRoot)
        let supervisor = ClusterSupervisor(
            executable: ClusterSupervisor.currentExecutable, config: cluster, configPath: configPath, run: run,
            logger: logger)
        CLIOutput.line("Starting the cluster (run \(run.runID))…")
        do {
            try supervisor.start()
            try supervisor.waitUntilHealthy()
        } catch {
            CLIOutput.line("cluster did not start: \(error)")
            supervisor.stop()
            throw ExitCode(1)
        }
        CLIOutput.line("Cluster is up; checkout page at \(cluster.orchestrator.url)/")
        CLIOutput.line("Sending \(orders) orders with \(concurrency) clients…")
        let recorder = try TraceRecorder.file(node: "load", directory: run.path)
        let report = LoadRun.execute(
            url: cluster.orchestrator.url, orders: orders, concurrency: concurrency, mix: .standard, seed: 42,
            recorder: recorder)
        recorder.close()
        LoadRun.print(report, format: .text)
        CLIOutput.line("Stopping the cluster…")
        supervisor.stop()
        CLIOutput.line("Traces: \(run.path)/*.jsonl.gz (also \(cluster.tracesRoot)/latest)")
        CLIOutput.line("Look at one: zcat \(run.path)/orchestrator.jsonl.gz | head -5")
    }
}
