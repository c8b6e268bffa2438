import ArgumentParser
import TraceAnalysis

/// `trace-analyzer failover RUN [MORE…]`: a post-mortem of every leader change.
struct FailoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Every leader change: timeouts, election, new epoch, first dequeue, orders in flight, durations.")

    @OptionGroup var input: RunOptions

    @Option(help: "Output width in columns.")
    var width: Int = 120

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let filter = try input.filter()
        let loader = try input.loader()
        let analyzer = FailoverAnalyzer()
        let progress = input.progressReporter
        let start = loader.start
        var count = 0
        let health = loader.stream { event in
            count += 1
            progress.tick(count)
            if filter.inTimeWindow(event.event, start: start ?? 0) { analyzer.observe(event) }
            return filter.limit.map { count < $0 } ?? true
        }
        progress.done()
        CLIOutput.problems(health)
        // Times count from the run's earliest event (the analyzer knows it), not from the first in causal order.
        switch format {
        case .text: CLIOutput.data(analyzer.text(width: width))
        case .json: CLIOutput.data(analyzer.json())
        }
    }
}
