import Causality
import Foundation
import SeededRandom
import Testing
import TraceFormat

/// A fresh directory under the system temporary directory, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("bookstore-trace-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// A deterministic event number `index` (1-based) of a sample node.
func sampleEvent(_ index: Int, node: String = "orchestrator") -> TraceEvent {
    TraceEvent(
        wallTimeNanos: 1_700_000_000_000_000_000 + Int64(index) * 1_234, node: node, pid: 4242,
        sequence: UInt64(index), kind: EventKind("test.tick"),
        traceID: index % 3 == 0 ? "4bf92f3577b34da6a3ce929d0e0e4736" : nil,
        spanID: index % 3 == 0 ? "00f067aa0ba902b7" : nil,
        clock: VectorClock([node: UInt64(index), "fraud": UInt64(index / 3)]),
        data: ["i": .int(Int64(index)), "note": .string("event \(index) of the sample \"run\"")])
}

func sampleEvents(_ range: ClosedRange<Int>, node: String = "orchestrator") -> [TraceEvent] {
    range.map { sampleEvent($0, node: node) }
}

/// Reads every event of a trace file.
func readTrace(_ path: String) throws -> (events: [TraceEvent], report: FileHealth) {
    var events: [TraceEvent] = []
    let report = try TraceFileReader().read(path: path) { events.append($0) }
    return (events, report)
}

/// The encoded JSON lines of `events`, newline-terminated, concatenated.
func encodedLines(_ events: [TraceEvent]) -> [UInt8] {
    var buffer: [UInt8] = []
    for event in events { TraceEventEncoder.appendLine(event, to: &buffer) }
    return buffer
}

/// Writes `events` with a `TraceFileWriter` and closes it.
func writeTrace(_ events: [TraceEvent], to path: String) throws -> TraceFileWriter.Statistics {
    let writer = try TraceFileWriter(path: path)
    for event in events { writer.append(event) }
    writer.close()
    return writer.statistics
}

/// Compresses `chunks` as one gzip member, sync-flushing after each chunk (as the writer does per batch).
func gzipMember(_ chunks: [[UInt8]]) throws -> [UInt8] {
    let compressor = try GzipCompressor()
    var output: [UInt8] = []
    for chunk in chunks { output += compressor.compress(chunk) }
    output += compressor.compress([], finish: true)
    return output
}

/// The whole decompressed content of a gzip file as `GzipDecompressor` sees it, and the damage found.
func decompressAll(_ path: String) throws -> (bytes: [UInt8], damage: GzipDamage?) {
    var bytes: [UInt8] = []
    let damage = try GzipDecompressor().decompressFile(at: path) { bytes.append(contentsOf: $0) }
    return (bytes, damage)
}

func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Runs the system `gzip -dc` on `path`: its exit status, stdout and stderr.
func systemGunzip(_ path: String) throws -> (status: Int32, output: [UInt8], error: String) {
    let gzip = ["/bin/gzip", "/usr/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    let executable = try #require(gzip, "the system gzip is needed by this test")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["-dc", path]
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // Read stderr on another thread so that neither pipe can fill up and block gzip.
    let errorData = LockedBox(Data())
    let errorDone = DispatchSemaphore(value: 0)
    let errorHandle = error.fileHandleForReading
    Thread {
        errorData.value = errorHandle.readDataToEndOfFile()
        errorDone.signal()
    }.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    errorDone.wait()
    #expect(process.terminationReason == .exit, "gzip died of a signal")
    return (process.terminationStatus, [UInt8](data), String(decoding: errorData.value, as: UTF8.self))
}

/// A value shared between threads under a lock. `@unchecked Sendable` is sound: `stored` is only reached between
/// `lock()` and `unlock()`. (Not a `Mutex`: the tests keep non-`Sendable` values in it and read them out.)
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    func withValue<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&stored) }
    }
}

/// Splits bytes into newline-terminated lines (without the newline); the unterminated tail is returned apart.
func splitLines(_ bytes: [UInt8]) -> (lines: [ArraySlice<UInt8>], tail: ArraySlice<UInt8>) {
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    for index in bytes.indices where bytes[index] == 0x0A {
        lines.append(bytes[start..<index])
        start = index + 1
    }
    return (lines, bytes[start...])
}

/// nil when both collections are equal; otherwise a short description of the first difference,
/// so that a failure on thousands of events prints one line instead of both arrays.
func difference<C1: Collection, C2: Collection>(_ actual: C1, _ expected: C2) -> String?
where C1.Element == C2.Element, C1.Element: Equatable {
    func short(_ value: C1.Element) -> String {
        let text =
            if let event = value as? TraceEvent {
                String(decoding: TraceEventEncoder.line(event).dropLast(), as: UTF8.self)
            } else {
                String(describing: value)
            }
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
    for (index, (got, want)) in zip(actual, expected).enumerated() where got != want {
        return
            "first difference at index \(index) (of \(actual.count) vs \(expected.count)): got \(short(got)), expected \(short(want))"
    }
    if actual.count != expected.count {
        return "count differs: got \(actual.count), expected \(expected.count) (the shorter is a prefix of the longer)"
    }
    return nil
}
