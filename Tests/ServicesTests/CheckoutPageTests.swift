import Checkout
import Cluster
import Foundation
import Logging
import RPC
import Testing
import TraceFormat

/// The checkout page as served by the orchestrator, over plain HTTP and in headless Chromium.
@Suite struct CheckoutPageTests {
    /// The package root: three levels above this file (`Tests/ServicesTests/CheckoutPageTests.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// How long the browser test may run before it is killed.
    static let browserTestTimeout: Duration = .seconds(90)

    /// Every service in this process, with the shipped fraud model.
    static func startCluster() throws -> InProcessCluster {
        let model = packageRoot.appendingPathComponent("models/fraud-model.json").path
        return try InProcessCluster(tracesDirectory: nil) { config in config.fraudModel = model }
    }

    static func client(for cluster: InProcessCluster) -> RPCClient {
        RPCClient(
            peer: "orchestrator", baseURL: cluster.orchestratorURL,
            recorder: TraceRecorder(node: "test", writer: nil),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, defaultDeadline: .seconds(5))
    }

    @Test func pageAndCatalogAreServedWithoutABrowser() throws {
        let cluster = try Self.startCluster()
        defer { cluster.stop() }
        let client = Self.client(for: cluster)

        let page = try client.request("GET", "/")
        #expect(page.status == 200)
        let contentType = page.headers.first { $0.0.lowercased() == "content-type" }?.1 ?? ""
        #expect(contentType.hasPrefix("text/html"))
        let html = String(decoding: page.body, as: UTF8.self)
        let ids = [
            "name", "contact", "card-number", "card-expiry", "card-cvv", "book-picker", "book-quantity", "add-book",
            "items", "street", "city", "state", "zip", "country", "shipping-method", "terms", "submit", "result",
            "result-status", "reasons", "suggestions",
        ]
        for id in ids {
            #expect(html.contains("id=\"\(id)\""), "the page has no element with id \(id)")
        }
        #expect(!html.contains("http://") && !html.contains("https://"), "the page loads no external resources")

        let catalog = try client.request("GET", "/catalog")
        #expect(catalog.status == 200)
        let books = try JSONDecoder().decode([SuggestedBook].self, from: catalog.body)
        #expect(books.count >= 200)
        #expect(books.allSatisfy { !$0.bookId.isEmpty && !$0.title.isEmpty && !$0.author.isEmpty })
    }

    @Test func browserApprovesAValidOrderAndRejectsAnExpiredCard() async throws {
        let python = Self.packageRoot.appendingPathComponent(".venv/bin/python").path
        let hint = "run scripts/bootstrap (it installs Debian chromium and .venv with playwright)"
        try #require(FileManager.default.isExecutableFile(atPath: python), "no \(python): \(hint)")
        try #require(Self.chromiumPath() != nil, "no chromium on PATH nor /usr/bin/chromium: \(hint)")

        let cluster = try Self.startCluster()
        defer { cluster.stop() }
        let script = Self.packageRoot.appendingPathComponent("scripts/browser-test.py").path
        let run = try await Self.run(python, [script, cluster.orchestratorURL + "/"], timeout: Self.browserTestTimeout)

        #expect(
            run.status == 0 && !run.timedOut,
            """
            browser test \(run.timedOut ? "timed out" : "exited \(run.status)")
            stdout:
            \(run.stdout)
            stderr:
            \(run.stderr)
            """)
        #expect(run.stdout.contains("\"ok\": true"), "no success summary: \(run.stdout)")
    }

    /// `chromium` on PATH, else Debian's `/usr/bin/chromium`, else nil.
    static func chromiumPath() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/chromium" } + ["/usr/bin/chromium"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Run {
        var status: Int32
        var timedOut: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` with its output in temporary files; terminates it (then kills it) after `timeout`.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration) async throws -> Run {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("browser-test-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()

        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var timedOut = false
        while process.isRunning {
            if clock.now >= deadline {
                timedOut = true
                process.terminate()
                let grace = clock.now + .seconds(5)
                while process.isRunning && clock.now < grace { try await Task.sleep(for: .milliseconds(100)) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.waitUntilExit()
        let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        return Run(status: process.terminationStatus, timedOut: timedOut, stdout: read(outURL), stderr: read(errURL))
    }
}
