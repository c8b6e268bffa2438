import ArgumentParser

/// Placeholder for the two-node demo.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo")
    func run() throws {}
}
