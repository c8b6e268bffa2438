import ArgumentParser
import Foundation
import OTLP
import TraceAnalysis
import TraceExport

/// `trace-analyzer export`: writes a run's traces for Perfetto, an OpenTelemetry collector, or ShiViz.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's traces for Perfetto, OpenTelemetry (OTLP/JSON) or ShiViz.",
        discussion: """
            perfetto  Chrome Trace Event JSON: one process track per node, RPCs and spans as slices, requests \
            as flow arrows, elections as instants, queue depth as a counter. Open it in https://ui.perfetto.dev.
            otlp      OTLP/JSON TracesData, one trace (order) per line, with OpenTelemetry's conventions. \
            --otlp-endpoint http://localhost:4318 POSTs each line to the collector's /v1/traces as well. Lease \
            polls that leased nothing and /metrics scrapes are left out unless --keep-idle-polls / --keep-scrapes.
            shiviz    ShiViz log: line 1 the parsing regex, line 2 empty, then "host {clock}" and a description \
            per event. Paste or upload it at https://bestchai.bitbucket.io/shiviz/.
            ShiViz needs each host's own clock entry to count its logged events 1, 2, 3, … and only hosts in the \
            log, so the shiviz export RENUMBERS the vector clocks for the exported events (a note is printed to \
            stderr); seq= in each description names the original event.
            perfetto and shiviz hold the selected events in memory: use --order and --node to cut big runs.
            """)

    /// The formats, as the command line spells them.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case perfetto, otlp, shiviz

        var exportFormat: ExportFormat {
            switch self {
            case .perfetto: return .perfetto
            case .otlp: return .otlp
            case .shiviz: return .shiviz
            }
        }
    }

    @Argument(
        help: "The run directory holding the <node>.jsonl.gz files, or several directories (one per host) or files.")
    var inputs: [String]

    @Option(help: "Output format.")
    var format: Format

    @Option(
        name: [.short, .customLong("output")],
        help: "Output file, '-' for standard output (the default, unless --otlp-endpoint is given).")
    var output: String?

    @Option(help: "otlp: also POST each trace to this collector (base URL; /v1/traces is appended).")
    var otlpEndpoint: String?

    @Option(help: "otlp: the cluster config the run used, for server.address/server.port (else the node ids).")
    var config: String?

    @Flag(help: "otlp: keep lease polls that leased nothing.")
    var keepIdlePolls = false

    @Flag(help: "otlp: keep /metrics scrapes (recorded by runs before they were left out of traces).")
    var keepScrapes = false

    @Option(help: "Only this order (its order id or trace id, or a prefix of at least 4 hex digits).")
    var order: String?

    @Flag(help: "Show progress on stderr even when it is not a terminal (it is shown on a terminal anyway).")
    var progress = false

    @Option(name: .customLong("node"), help: "Only events of this node (repeat for several).")
    var nodes: [String] = []

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give the run: a directory, or several directories or files") }
        if otlpEndpoint != nil && format != .otlp { throw ValidationError("--otlp-endpoint needs --format otlp") }
        if let otlpEndpoint {
            do {
                _ = try OTLPEndpoint.resolve(environment: [:], configured: otlpEndpoint)
            } catch {
                throw ValidationError("--otlp-endpoint: \(error)")
            }
        }
        if let order, !OrderPrefix.isValid(order) {
            throw ValidationError(
                "--order \(order): give an order or trace id (32 hex digits) or a prefix of one (at least 4 hex digits)"
            )
        }
    }

    func run() throws {
        let summary: ExportSummary
        let output = self.output ?? (otlpEndpoint == nil ? "-" : "/dev/null")
        var otlp = OTLPExporter(keepIdlePolls: keepIdlePolls, keepScrapes: keepScrapes)
        otlp.endpoint = otlpEndpoint.map(OTLPEndpoint.tracesURL(base:))
        if let config {
            do {
                otlp.addresses = try NodeAddresses.load(configPath: config)
            } catch {
                throw ValidationError("--config: cannot read \(config): \(error.localizedDescription)")
            }
        }
        do {
            summary = try TraceExporter.export(
                inputs: inputs, format: format.exportFormat,
                selection: ExportSelection(order: order, nodes: Set(nodes)), output: output, otlp: otlp,
                progress: ProgressReporter(enabled: progress || isatty(2) != 0))
        } catch {
            // A runtime failure (unreadable input, two files of one node, output not writable): no usage text.
            CLIOutput.diagnostic("error: \(error)")
            throw ExitCode(2)
        }
        var messages = summary.problems.map { "warning: \($0)" } + summary.notes.map { "note: \($0)" }
        let destination = output == "-" ? "standard output" : output
        messages.append(
            "exported \(summary.eventsSelected) events as \(summary.itemsWritten) \(itemName) to \(destination)")
        if summary.eventsSelected == 0 { messages.append("warning: the selection matched no events") }
        FileHandle.standardError.write(Data((messages.joined(separator: "\n") + "\n").utf8))
    }

    private var itemName: String {
        switch format {
        case .perfetto: return "trace events"
        case .otlp: return "spans"
        case .shiviz: return "log events"
        }
    }
}
