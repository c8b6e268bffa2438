import TraceAnalysis
import TraceFormat

extension RunLoader {
    /// Opens the run at `inputs` for export, with the exporter's errors (two files of one node: `RunLoadError`).
    static func forExport(inputs: [String]) throws -> RunLoader {
        do {
            return try RunLoader(inputs: inputs)
        } catch RunLoadError.notADirectory(let path) {
            throw TraceExportError.notADirectory(path)
        } catch RunLoadError.noTraceFiles(let path) {
            throw TraceExportError.noTraceFiles(path)
        }
    }

    /// The node ids named by the files (file name without `.jsonl.gz`), sorted.
    var fileNodes: [String] { files.map(\.node) }

    /// Streams every valid event file by file (nothing is cached: every pass reads the files again, so memory does
    /// not grow with the run).
    /// - Returns: the problems found (damage, malformed lines), one line each; reading goes on past them.
    @discardableResult
    func forEachEvent(
        progress: ProgressReporter? = nil, _ body: (TraceEvent) throws -> Void
    ) throws -> [String] {
        var count = 0
        defer { progress?.done() }
        return try forEachEventInFileOrder { _, event in
            count += 1
            progress?.tick(count)
            try body(event)
        }.flatMap(\.problems)
    }
}
