import ArgumentParser
import TraceFormat

/// The `bookstore` command: runs the cluster's services and tools.
@main
struct Bookstore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bookstore",
        abstract: "Bookstore Cluster: an observable, fault-tolerant checkout cluster.",
        version: "bookstore " + BookstoreVersion.text,
        subcommands: [
            ServeCommand.self, UpCommand.self, LoadCommand.self, DemoCommand.self, ChaosCommand.self, FraudCommand.self,
            DebugCommand.self,
        ]
    )
}

/// Hidden commands used by tests and investigations.
struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Tools for tests and investigations.",
        shouldDisplay: false,
        subcommands: [EmitEventsCommand.self]
    )
}
