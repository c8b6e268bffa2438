import TraceAnalysis
import TraceFormat

extension RunLoader {
    /// Opens the run at `directory` for export, with the exporter's errors.
    static func forExport(directory: String) throws -> RunLoader {
        do {
            return try RunLoader(directory: directory)
        } catch RunLoadError.notADirectory {
            throw TraceExportError.notADirectory(directory)
        } catch RunLoadError.noTraceFiles {
            throw TraceExportError.noTraceFiles(directory)
        }
    }

    /// The node ids named by the files (file name without `.jsonl.gz`), sorted.
    var fileNodes: [String] { files.map(\.node) }

    /// Streams every valid event file by file (nothing is cached: every pass reads the files again, so memory does
    /// not grow with the run).
    /// - Returns: the problems found (damage, malformed lines), one line each; reading goes on past them.
    @discardableResult
    func forEachEvent(_ body: (TraceEvent) throws -> Void) throws -> [String] {
        try forEachEventInFileOrder { _, event in try body(event) }.flatMap(\.problems)
    }
}
