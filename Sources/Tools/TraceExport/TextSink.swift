import Foundation

/// A buffered text output: a file, or standard output for `-`.
public final class TextSink {
    private let handle: FileHandle
    private let ownsHandle: Bool
    private var buffer: [UInt8] = []
    /// Where the text goes (`-` for standard output).
    public let path: String

    /// Creates (or truncates) `path`; `-` writes to standard output.
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            handle = FileHandle.standardOutput
            ownsHandle = false
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil),
                let handle = FileHandle(forWritingAtPath: path)
            else { throw TraceExportError.cannotWrite(path, "cannot create the file") }
            self.handle = handle
            ownsHandle = true
        }
        buffer.reserveCapacity(1 << 16)
    }

    /// Appends `text`.
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Hands what is buffered to the file.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw TraceExportError.cannotWrite(path, "\(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file (standard output stays open).
    public func close() throws {
        try flush()
        if ownsHandle { try? handle.close() }
    }
}
