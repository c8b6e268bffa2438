import Foundation
import TraceFormat

/// The trace files of one run directory (`<node>.jsonl.gz`), read one file at a time.
///
/// Nothing is cached: every `forEachEvent` pass streams the files again, so memory does not grow with the run.
public struct TraceRunSource: Sendable {
    /// The run directory.
    public let directory: String
    /// The trace files, sorted by path.
    public let paths: [String]

    /// Lists the `*.jsonl.gz` files of `directory`.
    public init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw TraceExportError.notADirectory(directory) }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        let files = names.filter { $0.hasSuffix(".jsonl.gz") }.sorted()
        guard !files.isEmpty else { throw TraceExportError.noTraceFiles(directory) }
        self.directory = directory
        self.paths = files.map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The node ids named by the files (file name without `.jsonl.gz`), sorted.
    public var fileNodes: [String] {
        paths.map { String(($0 as NSString).lastPathComponent.dropLast(".jsonl.gz".count)) }.sorted()
    }

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
