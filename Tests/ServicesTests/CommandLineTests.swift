import Cluster
import ClusterProtocol
import Foundation
import Services
import Testing
import TraceFormat
import TestTimeLimits

/// Runs an executable of this build; its exit status, stdout and stderr.
private func runTool(
    _ path: String, _ arguments: [String], timeout: TimeInterval = 60, directory: String? = nil
)
    throws -> (status: Int32, stdout: String, stderr: String)
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    // Read while it runs, so a full pipe never blocks it.
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

private func analyzer() throws -> String {
    let path = (try locateBookstore() as NSString).deletingLastPathComponent + "/trace-analyzer"
    try #require(FileManager.default.isExecutableFile(atPath: path), "\(path)")
    return path
}

/// The command lines: versions, JSON reports, refusing to report on a cluster that is not there, log options.
@Suite("Command lines", .serialized)
struct CommandLineTests {
    @Test func bothBinariesPrintTheirVersion() throws {
        let bookstore = try runTool(try locateBookstore(), ["--version"])
        #expect(bookstore.status == 0)
        #expect(bookstore.stdout.trimmingCharacters(in: .newlines) == "bookstore " + BookstoreVersion.text)
        let analyzer = try runTool(try analyzer(), ["--version"])
        #expect(analyzer.status == 0)
        #expect(analyzer.stdout.trimmingCharacters(in: .newlines) == "trace-analyzer " + BookstoreVersion.text)
    }

    @Test(.runningTimeLimit(.seconds(60)))
    func loadAgainstNoClusterFailsWithAClearErrorAndNoReport() throws {
        let url = "http://127.0.0.1:\(freePort())"
        let result = try runTool(try locateBookstore(), ["load", "--orders", "20", "--url", url, "--format", "json"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "a report was printed: \(result.stdout)")
        #expect(result.stderr.contains("cannot reach the orchestrator at \(url)"), "\(result.stderr)")
        #expect(result.stderr.contains("bookstore up"), "\(result.stderr)")
    }

    @Test(.runningTimeLimit(.seconds(60)))
    func loadJSONListsTheApprovedOrderIDs() throws {
        let cluster = try InProcessCluster(tracesDirectory: nil) { $0.fraudModel = fraudModelPath }
        defer { cluster.stop() }
        let result = try runTool(
            try locateBookstore(),
            ["load", "--orders", "12", "--concurrency", "2", "--url", cluster.orchestratorURL, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(jsonObject(Data(result.stdout.utf8)), "\(result.stdout)")
        let ids = report["approvedOrderIDs"] as? [String] ?? []
        let approved = (report["outcomes"] as? [String: Any])?["approved"] as? Int ?? -1
        #expect(approved > 0 && ids.count == approved, "\(result.stdout)")
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) }, "\(ids)")
    }

    @Test(.runningTimeLimit(.seconds(60)))
    func serveWritesJSONLogLinesThatJoinTheTraceAtTheirClockEntry() throws {
        let run = temporaryPath("json-logs")
        defer { try? FileManager.default.removeItem(atPath: run) }
        let (ready, text) = try serveVerification(run: run, level: "info")
        #expect(ready)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count >= 3, "\(text)")
        var clocks: [UInt64] = []
        var messages: [UInt64: String] = [:]
        for line in lines {
            let object = try #require(jsonObject(Data(line.utf8)), "not JSON: \(line)")
            #expect(object["node"] as? String == "verification", "\(line)")
            let clock = try #require((object["clock"] as? NSNumber)?.uint64Value, "no clock: \(line)")
            clocks.append(clock)
            messages[clock] = object["message"] as? String
        }
        #expect(clocks == clocks.sorted() && Set(clocks).count == clocks.count, "\(clocks)")
        // Each traced line is the `log` event whose vc[verification] is the line's clock.
        var joined = 0
        _ = try TraceFileReader().read(path: TraceRecorder.path(node: "verification", directory: run)) { event in
            guard event.kind == .log, let message = messages[event.clock["verification"]] else { return }
            #expect(event.data["message"] == .string(message))
            joined += 1
        }
        #expect(joined == lines.count, "\(joined) of \(lines.count) lines found in the trace")

        // --log-level error leaves out the info and warning lines.
        let quiet = try serveVerification(run: run, level: "error")
        #expect(quiet.ready)
        #expect(!quiet.stderr.contains("\"level\":\"info\""), "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("\"level\":\"warning\""), "\(quiet.stderr)")
    }

    @Test(.runningTimeLimit(.seconds(60)))
    func theSupervisorPassesTheLogOptionsToEveryServiceItStarts() throws {
        let root = temporaryPath("supervised-logs")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = ClusterConfig()
        config.verification.address = "127.0.0.1:\(freePort())"
        let run = try RunDirectory.create(root: root, runID: "logs")
        let configPath = root + "/cluster.json"
        try JSONEncoder().encode(config).write(to: URL(fileURLWithPath: configPath))
        let supervisor = ClusterSupervisor(
            executable: try locateBookstore(), config: config, configPath: configPath, run: run, logger: quietLogger,
            serveArguments: ["--log-format", "json", "--log-level", "debug"])
        defer { supervisor.stop() }
        try supervisor.start(only: ["verification"])
        try supervisor.waitUntilHealthy(only: ["verification"], timeout: .seconds(20))
        supervisor.stop()
        let log = try String(contentsOfFile: run.path + "/verification.log", encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = jsonObject(Data(line.utf8))
            #expect(object?["node"] as? String == "verification", "\(line)")
            #expect(object?["clock"] is NSNumber, "\(line)")
        }
        #expect(log.contains("\"level\":\"debug\"") || log.contains("\"level\":\"info\""))
    }

    @Test(.runningTimeLimit(.seconds(60)))
    func chaosStatusJSONNamesEveryExecutorAndTheLeader() throws {
        let root = temporaryPath("chaos-status")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try LocalCluster.launch(
            executable: try locateBookstore(), root: root, runID: "status", logger: quietLogger
        ) { $0.fraudModel = fraudModelPath }
        defer { cluster.supervisor.stop() }
        let probe = ExecutorProbe(settings: cluster.config.executors, credential: cluster.credential)
        let leader = try #require(probe.waitForNewLeader(excluding: nil, after: nil, timeout: .seconds(10)))
        let result = try runTool(
            try locateBookstore(),
            ["chaos", "status", "--format", "json", "--config", cluster.configPath, "--run", cluster.run.path])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(jsonObject(Data(result.stdout.utf8)), "\(result.stdout)")
        let executors = report["executors"] as? [[String: Any]] ?? []
        #expect(executors.compactMap { $0["node"] as? String }.sorted() == ["executor-1", "executor-2", "executor-3"])
        #expect(report["leader"] as? String == leader.node, "\(result.stdout)")
        let leading = executors.first { $0["node"] as? String == leader.node }
        #expect(leading?["role"] as? String == "leader")
        #expect(leading?["epoch"] as? String == leader.epoch.map { "\($0)" })
        #expect(executors.allSatisfy { $0["pid"] is NSNumber && $0["committed"] is NSNumber })
    }

    @Test(.runningTimeLimit(.seconds(60)))
    func fraudTrainLeavesTheCommittedModelUnlessAskedTo() throws {
        let directory = temporaryPath("fraud-train")
        try FileManager.default.createDirectory(atPath: directory + "/models", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["fraud", "train", "--rows", "400", "--rounds", "2"]
        let trained = try runTool(try locateBookstore(), arguments, directory: directory)
        #expect(trained.status == 0, "\(trained.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/models").sorted()
        #expect(files == ["fraud-model.trained.json", "fraud-model.trained.meta.json"])
        #expect(trained.stdout.contains("the committed model (models/fraud-model.json) is unchanged"))
        let replaced = try runTool(
            try locateBookstore(), arguments + ["--output", "models/fraud-model.json"], directory: directory)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory + "/models/fraud-model.json"))
    }
}

/// Starts `bookstore serve verification` with JSON logs at `level`, waits until it answers, stops it with SIGTERM;
/// whether it answered, and its stderr.
private func serveVerification(run: String, level: String) throws -> (ready: Bool, stderr: String) {
    let port = freePort()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try locateBookstore())
    process.arguments = [
        "serve", "verification", "--listen", "127.0.0.1:\(port)", "--run-dir", run, "--log-format", "json",
        "--log-level", level,
    ]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let client = orchestratorClient("http://127.0.0.1:\(port)")
    var ready = false
    for _ in 0..<100 where !ready {
        ready = (try? client.request("GET", "/healthz"))?.status == 200
        if !ready { Thread.sleep(forTimeInterval: 0.05) }
    }
    process.terminate()
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (ready, text)
}
