import Causality
import Foundation
import Synchronization
import TraceExport
import TraceFormat

/// A fresh directory under the system temporary directory, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("trace-export-tests-\(UUID().uuidString)", isDirectory: true).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Exports the run at `directory` and returns the output text and the summary.
func export(
    _ directory: String, _ format: ExportFormat, selection: ExportSelection = ExportSelection()
) throws -> (text: String, summary: ExportSummary) {
    let output = (directory as NSString).appendingPathComponent("export.\(format.rawValue).out")
    let summary = try TraceExporter.export(
        runDirectory: directory, format: format, selection: selection, output: output)
    let text = try String(contentsOfFile: output, encoding: .utf8)
    try FileManager.default.removeItem(atPath: output)
    return (text, summary)
}

/// Parses JSON text into a `TraceValue`, which keeps JSON's types apart (a string is never a number, a number
/// never a boolean), so validators can check the proto3 JSON types exactly.
func parseJSON(_ text: some StringProtocol) throws -> TraceValue {
    try JSONDecoder().decode(TraceValue.self, from: Data(text.utf8))
}

extension TraceValue {
    /// The member `key` of an object.
    subscript(_ key: String) -> TraceValue? { objectValue?[key] }

    /// The elements, when this is an array.
    var arrayValue: [TraceValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// Any JSON number as a double.
    var numberValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
}

/// A deterministic wall clock for recorders: every reading is 1 µs after the previous one.
final class SteppingClock: Sendable {
    private let now = Mutex<Int64>(1_733_000_000_000_000_000)

    func read() -> Int64 {
        now.withLock { now in
            now += 1_000
            return now
        }
    }
}
