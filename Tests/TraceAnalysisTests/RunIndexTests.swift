import ClusterProtocol
import Foundation
import Testing
import TraceFormat
import TraceTestSupport

@testable import TraceAnalysis

/// `timeline --order` through the run's order index: the same events as a full scan, from a cache that follows
/// the files.
@Suite struct RunIndexTests {
    private static let order = "1b2c3d4e5f60718293a4b5c6d7e8f90a"

    private func run(_ name: String) throws -> String {
        setenv("BOOKSTORE_TRACE_INDEX_DIR", RunFiles.temporaryDirectory("index-cache"), 1)
        let directory = RunFiles.temporaryDirectory(name)
        try RunFiles.write(ScenarioBuilder.cleanFailover().events, to: directory)
        return directory
    }

    private func fullScan(_ loader: RunLoader, prefix: String) -> [String] {
        RunAnalysis.select(
            loader: loader, filter: EventFilter(), keep: { EventFilter.belongs($0, to: prefix) },
            progress: ProgressReporter(enabled: false)
        ).events.map(\.event.handle)
    }

    @Test(arguments: [order, String(order.prefix(6)), "2c3d4e5f", "0a1b"])
    func anOrderReadThroughTheIndexHasTheSameEventsAsAFullScan(prefix: String) throws {
        let loader = try RunLoader(directory: try run("index-\(prefix)"))
        let indexed = RunIndex.select(loader: loader, filter: EventFilter(order: prefix)).events.map(\.event.handle)
        #expect(!indexed.isEmpty)
        #expect(indexed == fullScan(loader, prefix: prefix))
    }

    @Test func theIndexIsRebuiltWhenAFileChangesAndWhenItsCacheIsDamaged() throws {
        let directory = try run("index-change")
        let path = directory + "/queue.jsonl.gz"
        let first = try RunIndex.load(path)
        #expect(try RunIndex.load(path) == first)
        // A damaged cache file is not trusted.
        let cache = RunIndex.cacheFile(for: (path as NSString).resolvingSymlinksInPath)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: cache)))
        bytes.removeLast(5)
        #expect(IndexCoding.decode(bytes) == nil)
        try Data(bytes).write(to: URL(fileURLWithPath: cache))
        #expect(try RunIndex.load(path) == first)
        // The file grows (a node appends a member): the index follows.
        var lines: [UInt8] = []
        var builder = ScenarioBuilder(now: 1_900_000_000_000_000_000, step: 1000, pids: ["queue": 77])
        builder.record(
            "queue",
            QueueEnqueue(
                order: "ffee" + String(repeating: "0", count: 28), priority: "p", depth: 1,
                duplicate: false), trace: "ffee" + String(repeating: "1", count: 28))
        TraceEventEncoder.appendLine(builder.events[0], to: &lines)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(try GzipCompressor().compress(lines, finish: true)))
        try handle.close()
        let grown = try RunIndex.load(path)
        #expect(grown.members.count == first.members.count + 1)
        #expect(grown.members(matching: "ffee") == [first.members.count])
    }

    @Test func aCutTailIsReadInFullAndItsDamageReported() throws {
        let directory = try run("index-cut")
        let path = directory + "/orchestrator.jsonl.gz"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes.removeLast(40)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let loader = try RunLoader(directory: directory)
        let selection = RunIndex.select(loader: loader, filter: EventFilter(order: Self.order))
        #expect(selection.events.map(\.event.handle) == fullScan(loader, prefix: Self.order))
        #expect(selection.health.contains { $0.node == "orchestrator" && $0.truncated })
    }
}
