import Foundation
import Testing

/// Prometheus' own checker (`promtool`, from Debian's `prometheus` package that `scripts/bootstrap` installs).
enum Promtool {
    static let executable = "/usr/bin/promtool"

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// True where a test may skip for want of promtool: it is absent and this is not CI (`CI` unset). On CI a
    /// missing promtool fails the tests instead.
    static var mayBeSkipped: Bool { !isInstalled && ProcessInfo.processInfo.environment["CI"] == nil }

    static let skipReason: Comment =
        "promtool is not installed at /usr/bin/promtool (run scripts/bootstrap; Debian package prometheus)"

    /// Runs `promtool arguments…` with `input` on stdin, in `directory`; its exit status and output.
    static func run(
        _ arguments: [String], input: Data = Data(), directory: String? = nil
    ) throws
        -> (status: Int32, output: String)
    {
        try #require(isInstalled, "promtool is required on CI: \(executable) is missing (scripts/bootstrap)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdin = Pipe()
        let output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: input)
        try stdin.fileHandleForWriting.close()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }
}
