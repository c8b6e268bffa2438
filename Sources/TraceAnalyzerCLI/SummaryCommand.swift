import ArgumentParser

/// Placeholder: `trace-analyzer summary`.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summary")
    func run() throws {}
}
