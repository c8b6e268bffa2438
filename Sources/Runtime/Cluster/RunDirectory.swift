import Foundation

/// A run's directory of trace files: `<tracesRoot>/<run-id>/`, with `latest` pointing at the newest run.
public struct RunDirectory: Sendable {
    public let runID: String
    public let path: String

    /// Creates `<root>/<run-id>` (run id: UTC time plus a random suffix) and points `<root>/latest` at it.
    public static func create(root: String, runID: String? = nil) throws -> RunDirectory {
        let id = runID ?? Self.newRunID()
        let path = (root as NSString).appendingPathComponent(id)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let latest = (root as NSString).appendingPathComponent("latest")
        try? FileManager.default.removeItem(atPath: latest)
        try? FileManager.default.createSymbolicLink(atPath: latest, withDestinationPath: id)
        return RunDirectory(runID: id, path: path)
    }

    static func newRunID() -> String {
        var seconds = time(nil)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return String(
            format: "%04d%02d%02d-%02d%02d%02d-%@", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, suffix)
    }
}
