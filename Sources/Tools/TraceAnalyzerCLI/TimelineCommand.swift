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

    @Flag(help: "With --order: also print the order's lines of the services' logs (<run>/<node>.log).")
    var logs = false

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
        if logs, let order = filter.order { printLogLines(order: order, events: selection.events) }
        if selection.events.isEmpty { throw ExitCode(1) }
    }
}

extension TimelineCommand {
    /// `--logs`: the order's log lines, found by its id and the trace ids of its events (OrderLogLines).
    func printLogLines(order: String, events: [RunEvent]) {
        let traceIDs = Set(events.compactMap(\.event.traceID))
        let found = OrderLogLines.find(directory: input.runDirectory, order: order, traceIDs: traceIDs)
        for note in found.notes { CLIOutput.diagnostic("note: \(note)") }
        CLIOutput.data(OrderLogLines.render(found.lines, order: order))
    }
}
