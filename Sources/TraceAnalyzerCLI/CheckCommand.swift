import ArgumentParser

/// Placeholder: `trace-analyzer check`.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check")
    func run() throws {}
}
