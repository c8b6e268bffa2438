import ArgumentParser
import TraceAnalysis
import TraceFormat

/// `trace-analyzer timeline RUN [MORE…] --order ID`: a Lamport diagram of one order across the services.
struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Draw one order (or a node / time window) as a sequence diagram across the services.",
        discussion: """
            --format json gives the same selection as data: every event (its trace line as recorded, its line \
            number and its offset from the run's start) and every message whose send and receive are both shown. \
            Exit status 1 when nothing matches, 2 when the run cannot be read.
            """)

    @OptionGroup var input: RunOptions

    @Option(help: "Diagram width in columns.")
    var width: Int = 120

    @Option(help: "Output format: text (the diagram) or json (the events and messages it shows).")
    var format: OutputFormat = .text

    func validate() throws {
        guard
            input.order != nil || !input.nodes.isEmpty || input.from != nil || input.to != nil
                || input.limit != nil
        else { throw ValidationError("give --order ID (or --node/--from/--to/--limit) to choose what to draw") }
    }

    func run() throws {
        let filter = try input.filter()
        let loader = try input.loader()
        let selection = RunAnalysis.select(loader: loader, filter: filter, progress: input.progressReporter)
        CLIOutput.problems(selection.health)
        let title = filter.order.map { "order \($0)" } ?? "events of \(input.title)"
        let renderer = TimelineRenderer(width: width)
        if format == .json {
            CLIOutput.data(renderer.json(selection.events, title: title, start: loader.start))
        } else {
            CLIOutput.data(renderer.render(selection.events, title: title))
        }
        if selection.events.isEmpty { throw ExitCode(1) }
    }
}
