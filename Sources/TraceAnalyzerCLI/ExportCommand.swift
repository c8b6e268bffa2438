import ArgumentParser

/// Placeholder: `trace-analyzer export`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export")
    func run() throws {}
}
