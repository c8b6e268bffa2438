import Foundation
import Testing
import TraceFormat
import TestTimeLimits

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// These tests run the real `bookstore debug emit-events` child process. `swift test` builds every product,
// so the executable sits next to the test bundle; BOOKSTORE_BIN overrides the search.

/// Where the `bookstore` executable may be, in search order.
private func bookstoreCandidates() -> [String] {
    var candidates: [String] = []
    if let override = ProcessInfo.processInfo.environment["BOOKSTORE_BIN"], !override.isEmpty {
        candidates.append(override)
    }
    let bundle = Bundle.main.bundleURL
    candidates.append(bundle.appendingPathComponent("bookstore").path)
    candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("bookstore").path)
    let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    candidates.append(argument0.deletingLastPathComponent().appendingPathComponent("bookstore").path)
    // <root>/Tests/TraceFormatTests/KillNineTests.swift → <root>/.build/debug/bookstore
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".build/debug/bookstore").path)
    return candidates
}

private func locateBookstore() throws -> String {
    let candidates = bookstoreCandidates()
    if let override = ProcessInfo.processInfo.environment["BOOKSTORE_BIN"], !override.isEmpty {
        // An explicit override must be right; do not silently fall back.
        try #require(
            FileManager.default.isExecutableFile(atPath: override), "BOOKSTORE_BIN=\(override) is not an executable")
        return override
    }
    let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    return try #require(
        found,
        "the bookstore executable was not found (build it with `swift build`, or set BOOKSTORE_BIN); tried: \(candidates)"
    )
}

/// Collects the child's stdout lines (`<seq> <nanos>`) on a background thread. `@unchecked Sendable` is sound:
/// the collected state is touched only while holding `condition`'s lock (a condition variable: readers wait).
private final class ReportCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var reports: [(sequence: UInt64, nanos: Int64)] = []
    private var badLines: [String] = []
    private var partial: [UInt8] = []
    private var ended = false
    private let handle: FileHandle

    init(handle: FileHandle) {
        self.handle = handle
        let thread = Thread { self.run() }
        thread.name = "emit-events-stdout"
        thread.start()
    }

    private func run() {
        let descriptor = handle.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            condition.lock()
            if count <= 0 {
                ended = true
                condition.broadcast()
                condition.unlock()
                return
            }
            for byte in buffer[0..<count] {
                if byte == 0x0A {
                    let line = String(decoding: partial, as: UTF8.self)
                    let fields = line.split(separator: " ")
                    if fields.count == 2, let sequence = UInt64(fields[0]), let nanos = Int64(fields[1]) {
                        reports.append((sequence, nanos))
                    } else {
                        badLines.append(line)
                    }
                    partial.removeAll(keepingCapacity: true)
                } else {
                    partial.append(byte)
                }
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Waits until at least `count` reports arrived or stdout ended; false on timeout.
    func wait(forAtLeast count: Int, until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while reports.count < count && !ended {
            if !condition.wait(until: deadline) { return reports.count >= count || ended }
        }
        return true
    }

    /// Waits until stdout ended; false on timeout.
    func waitForEnd(until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !ended {
            if !condition.wait(until: deadline) { return ended }
        }
        return true
    }

    var snapshot: (reports: [(sequence: UInt64, nanos: Int64)], badLines: [String], partial: Int, ended: Bool) {
        condition.lock()
        defer { condition.unlock() }
        return (reports, badLines, partial.count, ended)
    }
}

private struct Child {
    let process: Process
    let collector: ReportCollector
    let stdout: Pipe
    let stderrPath: String

    var stderrText: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}

private func startEmitter(directory: URL, node: String, extraArguments: [String] = []) throws -> Child {
    let executable = try locateBookstore()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["debug", "emit-events", "--traces", directory.path, "--node", node] + extraArguments
    let stdout = Pipe()
    process.standardOutput = stdout
    let stderrPath = directory.appendingPathComponent("stderr.txt").path
    _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return Child(
        process: process, collector: ReportCollector(handle: stdout.fileHandleForReading), stdout: stdout,
        stderrPath: stderrPath)
}

@Test(.runningTimeLimit(.seconds(60)))
func killNineLosesOnlyTheLastMomentsAndLeavesAReadablePrefix() throws {
    try withTemporaryDirectory { directory in
        let node = "victim"
        let child = try startEmitter(directory: directory, node: node, extraArguments: ["--rate-per-second", "2000"])
        let pid = child.process.processIdentifier
        let reachedTarget = child.collector.wait(forAtLeast: 1_500, until: Date().addingTimeInterval(10))
        let early = child.collector.snapshot
        if !reachedTarget || early.ended || early.reports.count < 1_500 {
            kill(pid, SIGKILL)
            child.process.waitUntilExit()
            Issue.record(
                "emit-events reported \(early.reports.count) events (stdout ended: \(early.ended)) within 10 s; stderr: \(child.stderrText)"
            )
            return
        }

        let killTime = TraceRecorder.systemWallClock()
        #expect(kill(pid, SIGKILL) == 0)
        child.process.waitUntilExit()
        #expect(child.process.terminationReason == .uncaughtSignal)
        #expect(child.process.terminationStatus == SIGKILL, "the child should have died by signal 9")
        #expect(child.collector.waitForEnd(until: Date().addingTimeInterval(5)), "stdout never reached end of file")

        let (reports, badLines, _, _) = child.collector.snapshot
        #expect(badLines.isEmpty, "unexpected stdout lines: \(badLines.prefix(5))")
        #expect(
            difference(reports.map(\.sequence), 1...UInt64(reports.count)) == nil,
            "the child reported sequence numbers out of order")
        let lastReported = reports.last?.sequence ?? 0

        let path = TraceRecorder.path(node: node, directory: directory.path)
        let (events, report) = try readTrace(path)
        let fileSize = try readBytes(path).count
        let sequences = events.map(\.sequence)

        // The file holds exactly seq 1...k, in order, with no holes.
        #expect(!events.isEmpty)
        #expect(difference(sequences, (0..<events.count).map { UInt64($0 + 1) }) == nil)
        let k = UInt64(events.count)
        // The child never records more than one event beyond what it reported.
        #expect(k <= lastReported + 1, "file has \(k) events but only \(lastReported) were reported")

        // Everything recorded 50 ms or more before the kill made it to the file.
        let cutoff = killTime - 50_000_000
        let mustBePresent = reports.filter { $0.nanos <= cutoff }
        #expect(mustBePresent.count >= 1_000, "too few events old enough to check (\(mustBePresent.count))")
        let missing = mustBePresent.filter { $0.sequence > k }
        #expect(
            missing.count == 0,
            "\(missing.count) events recorded ≥ 50 ms before the kill are missing; first: seq \(missing.first?.sequence ?? 0), \(Double(killTime - (missing.first?.nanos ?? killTime)) / 1e6) ms before the kill; file has \(k) events, \(lastReported) reported"
        )

        // The events are the child's own, with sane fields.
        let reportedTime = Dictionary(uniqueKeysWithValues: reports.map { ($0.sequence, $0.nanos) })
        var badEvents: [String] = []
        for event in events {
            if event.node != node || event.pid != pid || event.kind.rawValue != "test.tick"
                || event.data["i"]?.intValue != Int64(event.sequence) || event.clock[node] != event.sequence
            {
                badEvents.append(event.handle)
            }
            if let reported = reportedTime[event.sequence], event.wallTimeNanos > reported {
                badEvents.append("\(event.handle) recorded after it was reported")
            }
        }
        #expect(badEvents.isEmpty, "\(badEvents.prefix(5))")

        // The member was never finished: reading stops at a truncation, with no malformed lines.
        #expect(report.malformed.isEmpty, "\(report.problems)")
        #expect(report.damage == .truncated(compressedOffset: fileSize), "\(report.problems)")
        #expect(report.events == events.count)

        // The system gzip reads the same prefix (and exits 1 for the missing trailer).
        let gunzip = try systemGunzip(path)
        #expect(gunzip.status == 0 || gunzip.status == 1, "gzip: \(gunzip.error)")
        let gzipLines = splitLines(gunzip.output).lines
        let decoder = TraceEventDecoder()
        let gzipSequences = gzipLines.compactMap { try? decoder.decode($0).sequence }
        #expect(gzipSequences.count == gzipLines.count, "gzip output has lines that are not events")
        #expect(difference(gzipSequences, sequences.prefix(gzipSequences.count)) == nil)
        #expect(gzipSequences.count >= mustBePresent.count, "gzip -dc read only \(gzipSequences.count) events")
    }
}

@Test(.runningTimeLimit(.seconds(60)))
func emitEventsWithACountClosesACleanFile() throws {
    try withTemporaryDirectory { directory in
        let child = try startEmitter(
            directory: directory, node: "short", extraArguments: ["--count", "50", "--rate-per-second", "5000"])
        child.process.waitUntilExit()
        #expect(child.process.terminationReason == .exit)
        #expect(child.process.terminationStatus == 0, "stderr: \(child.stderrText)")
        #expect(child.collector.waitForEnd(until: Date().addingTimeInterval(5)))
        let reports = child.collector.snapshot.reports
        #expect(reports.map(\.sequence) == Array(1...50))
        let (events, report) = try readTrace(TraceRecorder.path(node: "short", directory: directory.path))
        #expect(report.isClean, "\(report.problems)")
        #expect(events.map(\.sequence) == Array(1...50))
        #expect(zip(events, reports).allSatisfy { $0.wallTimeNanos <= $1.nanos })
    }
}

@Test(.runningTimeLimit(.seconds(60)))
func emitEventsRejectsABadRate() throws {
    try withTemporaryDirectory { directory in
        let child = try startEmitter(directory: directory, node: "bad", extraArguments: ["--rate-per-second", "0"])
        child.process.waitUntilExit()
        #expect(child.process.terminationReason == .exit)
        #expect(child.process.terminationStatus != 0)
        #expect(child.stderrText.contains("rate-per-second"), "stderr: \(child.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: TraceRecorder.path(node: "bad", directory: directory.path)))
    }
}
