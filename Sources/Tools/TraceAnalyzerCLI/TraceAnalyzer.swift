import ArgumentParser
import TraceFormat
import Foundation

/// `trace-analyzer`: reads a run's trace files, checks causality and the protocols, renders timelines,
/// and exports traces to other tools. Thin: the work is in the TraceAnalysis and TraceExport libraries.
@main
struct TraceAnalyzer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace-analyzer",
        abstract: "Check and explain the traces of a Bookstore Cluster run.",
        version: "trace-analyzer " + BookstoreVersion.text,
        subcommands: [
            CheckCommand.self, TimelineCommand.self, FailoverCommand.self, SummaryCommand.self,
            ExportCommand.self,
        ]
    )

    /// Like ArgumentParser's `main`, but a usage error exits 2 (the analyzer's contract: 0 ok, 1 violations,
    /// 2 unreadable input or wrong usage) instead of 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
