import ArgumentParser

/// Placeholder: `trace-analyzer timeline`.
struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "timeline")
    func run() throws {}
}
