import ArgumentParser
import Foundation
import TraceAnalysis
import TraceFormat

/// `text` or `json`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// The run's inputs and the event filters shared by the subcommands.
struct RunOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "The run: its directory holding one <node>.jsonl.gz per node, or several directories and files.",
            discussion: "Traces gathered from several hosts (one folder per host) are read as one run; two files "
                + "of the same node are refused."))
    var inputs: [String]

    @Option(name: .customLong("node"), help: "Only this node (repeatable).")
    var nodes: [String] = []

    @Option(help: "Only this order (its order id or trace id, or a prefix of at least 4 hex digits).")
    var order: String?

    @Option(help: "Only events at or after this wall time: unix ns, ISO-8601, or +1.5s / +250ms from the start.")
    var from: String?

    @Option(help: "Only events at or before this wall time (same forms as --from).")
    var to: String?

    @Option(help: "Read at most this many events.")
    var limit: Int?

    @Flag(help: "Show progress on stderr even when it is not a terminal (it is shown on a terminal anyway).")
    var progress = false

    /// The inputs as one title (the run directory when there is one).
    var title: String { inputs.joined(separator: " ") }

    /// Progress on stderr when it is a terminal or `--progress` asks for it.
    var progressReporter: ProgressReporter { ProgressReporter(enabled: progress || isatty(2) != 0) }

    mutating func validate() throws {
        if inputs.isEmpty { throw ValidationError("give the run: a directory, or several directories or files") }
        if let order {
            guard OrderPrefix.isValid(order) else {
                throw ValidationError("--order \(order): give an order or trace id (32 hex digits) or a prefix of one "
                    + "(at least 4 hex digits)")
            }
            self.order = order.lowercased()
        }
    }

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

    /// The run's loader, or exit status 2 with a message on stderr when an input cannot be read or two files
    /// claim one node.
    func loader() throws -> RunLoader {
        do {
            return try RunLoader(inputs: inputs)
        } catch {
            CLIOutput.diagnostic("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// Order ids and trace ids are 32 hex digits; `--order` takes one or a prefix of one.
enum OrderPrefix {
    static func isValid(_ text: String) -> Bool {
        (4...32).contains(text.count) && text.allSatisfy(\.isHexDigit)
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

/// `trace-analyzer check RUN [MORE…]`: the CI gate. Exit 0 when every check holds, 1 on a violation,
/// 2 when the run cannot be read or verified.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check causality and the cluster's protocols; explain every violation.",
        discussion: """
            Exit status: 0 when no check finds a violation (warnings are shown but do not fail), 1 when one \
            does, 2 when the input cannot be read or verified (a file that is not gzip or in an unsupported format \
            version, two files claiming one node). Several directories or files are one run (one folder per \
            host). --node/--order keep only the findings that involve them; --from/--to/--limit check only that \
            window (end-of-run checks are then skipped).
            """)

    @OptionGroup var input: RunOptions

    @Option(
        name: .customLong("then"),
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
        let report = try check(input.inputs)
        guard let laterRun else {
            CLIOutput.problems(report.files)
            CLIOutput.data(format == .json ? report.json() : report.text())
            // The output is written (unbuffered): exit now, without freeing the report and the checks' state
            // (15–19 ms on one thread after a 1M-event run, measured with `strace -f -e trace=exit,exit_group`).
            Foundation.exit(report.exitStatus)
        }
        var later = try check([laterRun])
        let together = RunsTogether.check(report, then: later, keptFindings: keptFindings)
        CLIOutput.problems(report.files + later.files)
        if format == .json {
            later.checks.append(together)
            CLIOutput.data(report.json() + later.json())
        } else {
            CLIOutput.data("== run \(input.title)\n" + report.text() + "\n== run \(laterRun)\n" + later.text())
            var summary = "\n== both runs: \(together.name) \(together.status); "
            summary += together.info.keys.sorted().map { "\($0) \(together.info[$0]!)" }.joined(separator: ", ") + "\n"
            for finding in together.findings { summary += finding.textLines().joined(separator: "\n") + "\n" }
            CLIOutput.data(summary)
        }
        let status = max(report.exitStatus, later.exitStatus, together.violations > 0 ? 1 : 0)
        if status != 0 { throw ExitCode(status) }
    }

    private func check(_ inputs: [String]) throws -> CheckReport {
        var options = input
        options.inputs = inputs
        return RunAnalysis.check(
            loader: try options.loader(), filter: try input.filter(),
            options: CheckOptions(
                clockSkewToleranceNanos: Int64(clockSkewMs) * 1_000_000, keptFindings: keptFindings,
                freesStateAfterwards: false),
            progress: input.progressReporter)
    }
}
