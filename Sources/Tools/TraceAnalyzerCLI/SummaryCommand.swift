import ArgumentParser
import Foundation
import TraceAnalysis

/// `trace-analyzer summary RUN [MORE…]`: nodes, events, orders by outcome, RPC latency by method, leader terms,
/// checks.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary", abstract: "Nodes, events, orders by outcome, RPC latency, leader terms, checks.")

    @OptionGroup var input: RunOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let filter = try input.filter()
        let loader = try input.loader()
        let summary = RunSummary()
        let engine = CheckEngine(traced: loader.nodes, index: loader.index)
        let progress = input.progressReporter
        let start = loader.start ?? 0
        var count = 0
        var read = 0
        let health = loader.stream { event in
            read += 1
            progress.tick(read)
            guard filter.matches(event.event, start: start) else { return true }
            count += 1
            summary.observe(event)
            engine.observe(event)
            return filter.limit.map { count < $0 } ?? true
        }
        progress.done()
        let partial =
            filter.limit.map { count >= $0 } ?? false || !filter.nodes.isEmpty || filter.order != nil
            || filter.from != nil || filter.to != nil
        let checks = engine.finish(health: health, partial: partial)
        CLIOutput.problems(health)
        if format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(summary.data(health: health, checks: checks))
            CLIOutput.data(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            CLIOutput.data(summary.text(directory: input.title, health: health, checks: checks))
        }
    }
}
