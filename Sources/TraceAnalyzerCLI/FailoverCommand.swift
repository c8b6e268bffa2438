import ArgumentParser

/// Placeholder: `trace-analyzer failover`.
struct FailoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "failover")
    func run() throws {}
}
