import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// Writes run directories for loader tests.
enum RunFiles {
    static func temporaryDirectory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "trace-analysis-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `events` into `<directory>/<node>.jsonl.gz`, one file per node, each one closed gzip member.
    static func write(_ events: [TraceEvent], to directory: String) throws {
        for node in Set(events.map(\.node)) {
            var bytes: [UInt8] = []
            for event in events where event.node == node { TraceEventEncoder.appendLine(event, to: &bytes) }
            try write(lines: bytes, to: directory + "/\(node).jsonl.gz", finish: true)
        }
    }

    static func write(lines: [UInt8], to path: String, finish: Bool, cutLast: Int = 0) throws {
        var compressed = try GzipCompressor().compress(lines, finish: finish)
        compressed.removeLast(cutLast)
        try Data(compressed).write(to: URL(fileURLWithPath: path))
    }
}

@Suite struct LoadingTests {
    @Test func loaderMergesFilesConsistentlyWithCausality() throws {
        let directory = RunFiles.temporaryDirectory("merge")
        let scenario = ScenarioBuilder.cleanFailover()
        try RunFiles.write(scenario.events, to: directory)
        var seen: [RunEvent] = []
        let health = try RunLoader(directory: directory).stream {
            seen.append($0)
            return true
        }
        #expect(seen.count == scenario.events.count)
        #expect(health.allSatisfy { $0.problems.isEmpty })
        for (index, later) in seen.enumerated() {
            for earlier in seen[..<index] {
                #expect(later.event.clock.compare(earlier.event.clock) != .before)
            }
        }
        // The same events from files and from memory give the same report.
        let fromFiles = try RunAnalysis.check(directory: directory, progress: ProgressReporter(enabled: false))
        let fromMemory = CheckEngine.check(scenario.events)
        #expect(fromFiles.checks.map(\.violations) == fromMemory.checks.map(\.violations))
        #expect(fromFiles.checks.map(\.examined) == fromMemory.checks.map(\.examined))
    }

    @Test func malformedLinesAreReportedWithFileAndLineAndReadingGoesOn() throws {
        let directory = RunFiles.temporaryDirectory("malformed")
        var builder = ScenarioBuilder()
        for _ in 0..<3 { builder.record("fraud", .log, ["level": "info", "message": "hello"]) }
        var bytes: [UInt8] = []
        TraceEventEncoder.appendLine(builder.events[0], to: &bytes)
        bytes += Array("{\"v\":1,\"ts\":oops}\n".utf8)
        bytes += Array("\n".utf8)
        TraceEventEncoder.appendLine(builder.events[1], to: &bytes)
        bytes += Array(#"{"v":2,"ts":1,"node":"fraud","pid":1,"seq":9,"kind":"log","vc":{"fraud":9}}"#.utf8) + [0x0A]
        bytes += Array("{\"v\":1,\"ts\":1,\"node\":\"fraud\",\"pid\":1,\"kind\":\"log\",\"vc\":{}}\n".utf8)
        TraceEventEncoder.appendLine(builder.events[2], to: &bytes)
        try RunFiles.write(lines: bytes, to: directory + "/fraud.jsonl.gz", finish: true)
        let report = try RunAnalysis.check(directory: directory, progress: ProgressReporter(enabled: false))
        let file = report.files[0]
        #expect(report.events == 3)
        #expect(file.malformedCount == 3)
        #expect(file.malformed[0].description == "\(directory)/fraud.jsonl.gz:2: malformed event: invalid JSON")
        #expect(
            file.malformed[1].description.hasPrefix(
                "\(directory)/fraud.jsonl.gz:5: malformed event: trace format version 2"))
        #expect(
            file.malformed[2].description == "\(directory)/fraud.jsonl.gz:6: malformed event: missing field \"seq\"")
        #expect(report.exitStatus == 0)
    }

    @Test func truncatedTailKeepsEverythingBeforeTheCut() throws {
        let directory = RunFiles.temporaryDirectory("truncated")
        var builder = ScenarioBuilder()
        for index in 0..<50 { builder.record("queue", .log, ["level": "info", "message": .string("line \(index)")]) }
        var first: [UInt8] = []
        var second: [UInt8] = []
        for event in builder.events.prefix(40) { TraceEventEncoder.appendLine(event, to: &first) }
        for event in builder.events.suffix(10) { TraceEventEncoder.appendLine(event, to: &second) }
        // One sync-flushed batch, then a second batch cut in the middle (a kill -9 during write).
        let compressor = try GzipCompressor()
        var bytes = compressor.compress(first)
        let tail = compressor.compress(second)
        bytes += tail.prefix(tail.count / 2)
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/queue.jsonl.gz"))
        let report = try RunAnalysis.check(directory: directory, progress: ProgressReporter(enabled: false))
        #expect(report.files[0].truncated)
        #expect(report.events >= 40 && report.events < 50)
        #expect(report.passed)
        #expect(report.text().contains("did not close its trace"))
    }

    @Test func unreadableRunDirectoryThrows() {
        #expect(throws: RunLoadError.self) { _ = try RunLoader(directory: "/nonexistent/run") }
        let empty = RunFiles.temporaryDirectory("empty")
        #expect(throws: RunLoadError.self) { _ = try RunLoader(directory: empty) }
    }

    @Test func clockCacheFollowsIncreasesDecreasesNewKeysAndZeros() throws {
        var decoder = FastEventDecoder()
        let clocks = [
            #"{"a":1,"b":2}"#, #"{"a":2,"b":2}"#, #"{"a":3,"b":5}"#, #"{"a":1,"b":5}"#, #"{"a":4,"c":1}"#,
            #"{"a":5,"c":0}"#, #"{"a":6}"#, #"{"a":6,"b\"x":1}"#, #"{"a":7,"b\"x":1}"#,
        ]
        for (seq, clock) in clocks.enumerated() {
            let line = #"{"v":1,"ts":1,"node":"a","pid":1,"seq":"# + "\(seq + 1)" + #","kind":"k","vc":"# + clock + "}"
            let bytes = Array(line.utf8)
            let fast = bytes.withUnsafeBufferPointer { decoder.decode($0) }
            #expect(fast == (try TraceEventDecoder().decode(bytes)), "\(clock)")
        }
    }

    @Test func fastDecoderAgreesWithTheReferenceDecoder() throws {
        let lines = [
            #"{"v":1,"ts":1733000000100000000,"node":"orchestrator","pid":4101,"seq":3,"kind":"rpc.send","#
                + #""trace":"4bf92f3577b34da6a3ce929d0e0e4736","span":"b7ad6b7169203331","parent":"00f067aa0ba902b7","#
                + #""vc":{"orchestrator":3},"data":{"method":"score","msg":"orchestrator-4101-1","peer":"fraud"}}"#,
            #"{ "seq" : 2 , "v":1,"ts":-5,"node":"a\"b\\c\u00e9\ud83d\ude00","pid":-1,"kind":"x","vc":{},"#
                + #""extra":[1,{"k":null}],"data":{"f":2.5,"w":2.0,"big":-9007199254740993,"n":null,"t":true,"#
                + #""a":[1,"two",{"x":[]}],"s":"tab\tnl\n"}}"#,
            #"{"v":1,"ts":1,"node":"n","pid":1,"seq":1,"kind":"k","trace":null,"vc":{"n":1,"m":0}}"#,
        ]
        var decoder = FastEventDecoder()
        // Twice through, so that the second round decodes clocks from the cache of the previous line.
        for line in lines + lines.reversed() {
            let bytes = Array(line.utf8)
            let fast = bytes.withUnsafeBufferPointer { decoder.decode($0) }
            let reference = try TraceEventDecoder().decode(bytes)
            #expect(fast == reference, "\(line)")
        }
        for bad in [#"{"v":1}"#, #"{"v":1.5,"ts":1,"node":"n","pid":1,"seq":1,"kind":"k","vc":{}}"#, "[]", "{"] {
            var fresh = FastEventDecoder()
            let fast = Array(bad.utf8).withUnsafeBufferPointer { fresh.decode($0) }
            #expect(fast == nil, "\(bad)")
        }
    }
}
