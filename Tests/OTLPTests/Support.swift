import Foundation
import Logging
import Testing

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// A fresh temporary directory path (not created).
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
}

/// A built executable of this package (`bookstore`, `trace-analyzer`), next to the tests or in .build/debug.
func locateExecutable(_ name: String) throws -> String {
    let candidates = [
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name).path,
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name).path,
        packageRoot.appendingPathComponent(".build/debug/\(name)").path,
    ]
    return try #require(
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
        "\(name) not found (swift build); tried \(candidates)")
}

/// The project's Python (`.venv`, made by scripts/bootstrap-otlp with opentelemetry-proto).
func projectPython() throws -> String {
    let python = packageRoot.appendingPathComponent(".venv/bin/python").path
    try #require(
        FileManager.default.isExecutableFile(atPath: python), "no \(python): run scripts/bootstrap (make bootstrap)")
    return python
}

/// One decoded span as scripts/otlp-receiver.py summarises it.
struct ReceivedSpan: Decodable, Hashable {
    var trace: String
    var span: String
    var parent: String?
    var name: String
    var kind: Int
    var service: String?
    var instance: String?
    var links: [[String: String]]
    var attributes: [String: AttributeValue]
    var status: Int

    /// A decoded attribute value (the receiver writes the value of its single `…Value` member).
    enum AttributeValue: Decodable, Hashable {
        case text(String)
        case number(Double)
        case flag(Bool)
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let flag = try? container.decode(Bool.self) {
                self = .flag(flag)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else {
                self = .other
            }
        }

        var text: String? { if case .text(let value) = self { value } else { nil } }
    }
}

/// scripts/otlp-receiver.py as a child process on a free loopback port, stopped by `stop()` (and on deinit).
final class OTLPReceiver: @unchecked Sendable {
    let process = Process()
    let summaryPath: String
    let port: Int

    /// One request's summary line.
    struct Request: Decodable {
        var spans: [ReceivedSpan]?
        var problems: [String]?
        var error: String?
    }

    /// Starts the receiver and waits (at most 20 s) for the port it prints.
    init(summaryPath: String) throws {
        self.summaryPath = summaryPath
        process.executableURL = URL(fileURLWithPath: try projectPython())
        process.arguments = [
            packageRoot.appendingPathComponent("scripts/otlp-receiver.py").path, "serve", "--summary", summaryPath,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reader = output.fileHandleForReading
        let found = PortBox()
        let thread = Thread {
            var text = ""
            while !text.contains("\n") {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            found.set(text)
        }
        thread.start()
        let deadline = Date().addingTimeInterval(20)
        while found.get() == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let line = found.get() ?? ""
        guard line.hasPrefix("port "), let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            process.waitUntilExit()
            throw ReceiverError(message: "the receiver did not start (printed '\(line)')")
        }
        self.port = port
    }

    struct ReceiverError: Error { var message: String }

    private final class PortBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: String?
        func set(_ text: String) { lock.withLock { value = text } }
        func get() -> String? { lock.withLock { value } }
    }

    /// The requests decoded so far.
    func requests() throws -> [Request] {
        let text = (try? String(contentsOfFile: summaryPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// Stops the receiver (SIGTERM, then SIGKILL after 5 s).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// Decodes every line of an OTLP/JSON file with the official protos (`otlp-receiver.py check`).
func checkWithOfficialProtos(_ path: String) throws -> (spans: [ReceivedSpan], lines: Int, problems: [String]) {
    struct Summary: Decodable {
        var lines: Int
        var spans: [ReceivedSpan]
        var problems: [String]
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try projectPython())
    process.arguments = [packageRoot.appendingPathComponent("scripts/otlp-receiver.py").path, "check", path]
    let outputPath = path + ".summary.json"
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: outputPath)))
    return (summary.spans, summary.lines, summary.problems)
}

/// Runs `trace-analyzer` with `arguments`; returns its exit status and standard error (output goes nowhere).
func runAnalyzer(_ arguments: [String]) throws -> (status: Int32, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try locateExecutable("trace-analyzer"))
    process.arguments = arguments
    let errorsPath = temporaryPath("analyzer-stderr")
    _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorsPath) }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "")
}
