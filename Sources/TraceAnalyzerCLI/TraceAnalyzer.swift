import ArgumentParser

/// `trace-analyzer`: reads a run's trace files, checks causality and the protocols, renders timelines,
/// and exports traces to other tools. Thin: the work is in the TraceAnalysis and TraceExport libraries.
@main
struct TraceAnalyzer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace-analyzer",
        abstract: "Check and explain the traces of a Bookstore Cluster run.",
        subcommands: [CheckCommand.self, TimelineCommand.self, FailoverCommand.self, SummaryCommand.self,
                      ExportCommand.self]
    )
}
