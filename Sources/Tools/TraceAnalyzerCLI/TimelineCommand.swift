import ArgumentParser
import Foundation
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

    @Flag(help: "With --order: also print the order's lines of the services' logs (<run>/<node>.log).")
    var logs = false

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
        if logs, let order = filter.order { printLogLines(order: order, events: selection.events) }
        if selection.events.isEmpty { throw ExitCode(1) }
    }
}

extension TimelineCommand {
    /// `--logs`: the order's log lines, found by its id and the trace ids of its events (OrderLogLines).
    func printLogLines(order: String, events: [RunEvent]) {
        let traceIDs = Set(events.compactMap(\.event.traceID))
        // Every input folder (one per host when traces were gathered from several) may hold logs.
        var isDirectory: ObjCBool = false
        let folders = input.inputs.filter {
            FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        var lines: [OrderLogLines.Line] = []
        for folder in folders {
            let found = OrderLogLines.find(directory: folder, order: order, traceIDs: traceIDs)
            for note in found.notes { CLIOutput.diagnostic("note: \(note)") }
            lines += found.lines
        }
        CLIOutput.data(OrderLogLines.render(lines, order: order))
    }
}
