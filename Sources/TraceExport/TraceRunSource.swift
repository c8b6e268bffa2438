import Foundation
import TraceFormat

/// The trace files of one run directory (`<node>.jsonl.gz`), read one file at a time.
///
/// Nothing is cached: every `forEachEvent` pass streams the files again, so memory does not grow with the run.
public struct TraceRunSource: Sendable {
    /// The run directory.
    public let directory: String
    /// The trace files: by node, each node's segments in order (`<node>.jsonl.gz`, `<node>.1.jsonl.gz`, …).
    public let paths: [String]
    private let nodes: [String]

    /// Lists the `*.jsonl.gz` files of `directory`.
    public init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw TraceExportError.notADirectory(directory) }
        let segments = TraceSegments.nodes(in: directory)
        guard !segments.isEmpty else { throw TraceExportError.noTraceFiles(directory) }
        self.directory = directory
        self.paths = segments.flatMap(\.paths)
        self.nodes = segments.map(\.node)
    }

    /// The node ids named by the files (file name without `.jsonl.gz`), sorted.
    public var fileNodes: [String] { nodes }

    /// Streams every valid event, file by file, each file in its own order.
    /// - Returns: the problems found (damage, malformed lines), one line each; reading goes on past them.
    @discardableResult
    public func forEachEvent(_ body: (TraceEvent) throws -> Void) throws -> [String] {
        var problems: [String] = []
        for path in paths {
            let report = try TraceFileReader().read(path: path, onEvent: body)
            problems += report.problems
        }
        return problems
    }
}
