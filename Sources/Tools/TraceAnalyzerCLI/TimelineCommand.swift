import ArgumentParser
import TraceAnalysis
import TraceFormat

/// `trace-analyzer timeline RUN_DIR --order ID`: a Lamport diagram of one order across the services.
struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Draw one order (or a node / time window) as a sequence diagram across the services.")

    @OptionGroup var input: RunOptions

    @Option(help: "Diagram width in columns.")
    var width: Int = 120

    @Option(help: "Output format: text (json is not supported for diagrams).")
    var format: OutputFormat = .text

    func run() throws {
        let filter = try input.filter()
        guard filter.order != nil || !filter.nodes.isEmpty || filter.restrictsEvents else {
            CLIOutput.diagnostic("error: give --order ID (or --node/--from/--to/--limit) to choose what to draw")
            throw ExitCode(2)
        }
        guard format == .text else {
            CLIOutput.diagnostic("error: timeline only renders text; use `check --format json` for data")
            throw ExitCode(2)
        }
        let selection: (events: [RunEvent], health: [FileHealth])
        do {
            selection = try RunAnalysis.select(directory: input.runDirectory, filter: filter)
        } catch {
            CLIOutput.diagnostic("error: \(error)")
            throw ExitCode(2)
        }
        CLIOutput.problems(selection.health)
        let title = filter.order.map { "order \($0)" } ?? "events of \(input.runDirectory)"
        CLIOutput.data(TimelineRenderer(width: width).render(selection.events, title: title))
        if selection.events.isEmpty { throw ExitCode(1) }
    }
}
