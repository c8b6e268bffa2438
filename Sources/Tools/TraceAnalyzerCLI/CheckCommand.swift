import ArgumentParser
import Foundation
import TraceAnalysis
import TraceFormat

/// `text` or `json`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// The run directory and the event filters shared by the subcommands.
struct RunOptions: ParsableArguments {
    @Argument(help: "The run directory holding one <node>.jsonl.gz per node.")
    var runDirectory: String

    @Option(name: .customLong("node"), help: "Only this node (repeatable).")
    var nodes: [String] = []

    @Option(help: "Only this order (an id or a prefix of one).")
    var order: String?

    @Option(help: "Only events at or after this wall time: unix ns, ISO-8601, or +1.5s / +250ms from the start.")
    var from: String?

    @Option(help: "Only events at or before this wall time (same forms as --from).")
    var to: String?

    @Option(help: "Read at most this many events.")
    var limit: Int?

    /// The filter, or exit status 2 with a message on stderr when a bound cannot be parsed.
    func filter() throws -> EventFilter {
        func bound(_ text: String?, _ name: String) throws -> TimeBound? {
            guard let text else { return nil }
            guard let bound = TimeBound(parsing: text) else {
                CLIOutput.diagnostic("error: --\(name) \(text): not a unix-ns time, an ISO-8601 time or +<n>s/+<n>ms")
                throw ExitCode(2)
            }
            return bound
        }
        if let limit, limit <= 0 {
            CLIOutput.diagnostic("error: --limit must be positive")
            throw ExitCode(2)
        }
        return EventFilter(
            nodes: Set(nodes), order: order, from: try bound(from, "from"), to: try bound(to, "to"), limit: limit)
    }

    /// The run's loader, or exit status 2 with a message on stderr when the directory cannot be read.
    func loader() throws -> RunLoader {
        do {
            return try RunLoader(directory: runDirectory)
        } catch {
            CLIOutput.diagnostic("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// stdout for data, stderr for diagnostics.
enum CLIOutput {
    static func data(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func diagnostic(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Reports damaged files and malformed lines on stderr.
    static func problems(_ health: [FileHealth]) {
        for file in health { for problem in file.problems { diagnostic(problem) } }
    }
}

/// `trace-analyzer check RUN_DIR`: the CI gate. Exit 0 when every check holds, 1 on a violation,
/// 2 when the run cannot be read.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check causality and the cluster's protocols; explain every violation.",
        discussion: """
            Exit status: 0 when no check finds a violation (warnings are shown but do not fail), 1 when one \
            does, 2 when the input cannot be read. --node/--order keep only the findings that involve them; \
            --from/--to/--limit check only that window (end-of-run checks are then skipped).
            """)

    @OptionGroup var input: RunOptions

    @Argument(
        help: ArgumentHelp(
            "A later run on the same queue data directory, checked together with the first.",
            discussion: "Orders waiting at the end of the first run must be committed once in the later one."))
    var laterRun: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Receives stamped earlier than their send by more than this many ms are warnings.")
    var clockSkewMs: Int = 50

    @Option(
        help: ArgumentHelp(
            "Explained findings kept per check and severity; 0 keeps all.",
            discussion: "All findings are counted; those beyond the bound are reported as omitted (`omitted` in JSON).")
    )
    var maxFindings: Int = 20

    /// The bound `--max-findings` sets (0: no bound).
    private var keptFindings: Int { maxFindings == 0 ? Int.max : maxFindings }

    func validate() throws {
        guard maxFindings >= 0 else { throw ValidationError("--max-findings must be 0 (all) or positive") }
    }

    func run() throws {
        let report = try check(input.runDirectory)
        guard let laterRun else {
            CLIOutput.problems(report.files)
            CLIOutput.data(format == .json ? report.json() : report.text())
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
            return
        }
        var later = try check(laterRun)
        let together = RunsTogether.check(report, then: later, keptFindings: keptFindings)
        CLIOutput.problems(report.files + later.files)
        if format == .json {
            later.checks.append(together)
            CLIOutput.data(report.json() + later.json())
        } else {
            CLIOutput.data("== run \(input.runDirectory)\n" + report.text() + "\n== run \(laterRun)\n" + later.text())
            var summary = "\n== both runs: \(together.name) \(together.status); "
            summary += together.info.keys.sorted().map { "\($0) \(together.info[$0]!)" }.joined(separator: ", ") + "\n"
            for finding in together.findings { summary += finding.textLines().joined(separator: "\n") + "\n" }
            CLIOutput.data(summary)
        }
        let status = max(report.exitStatus, later.exitStatus, together.violations > 0 ? 1 : 0)
        if status != 0 { throw ExitCode(status) }
    }

    private func check(_ directory: String) throws -> CheckReport {
        do {
            return try RunAnalysis.check(
                directory: directory, filter: try input.filter(),
                options: CheckOptions(
                    clockSkewToleranceNanos: Int64(clockSkewMs) * 1_000_000, keptFindings: keptFindings))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            CLIOutput.diagnostic("error: \(error)")
            throw ExitCode(2)
        }
    }
}
