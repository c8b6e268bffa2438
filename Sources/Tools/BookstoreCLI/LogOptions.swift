import ArgumentParser
import Logging
import RPC

/// `--log-level`: swift-log's levels by name.
enum LogLevelOption: String, CaseIterable, ExpressibleByArgument {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
}

/// `--log-format` and `--log-level` of `up` and `demo`: passed on to every service the supervisor starts.
struct LogOptions: ParsableArguments {
    @Option(help: "Log format of the services (in <run>/<node>.log): text or json (one JSON object a line).")
    var logFormat: TraceLogHandler.Format = .text

    @Option(help: "Lowest level the services log: trace, debug, info, notice, warning, error or critical.")
    var logLevel: LogLevelOption = .info

    /// The `serve` arguments that carry these options.
    var serveArguments: [String] { ["--log-format", logFormat.rawValue, "--log-level", logLevel.rawValue] }
}
