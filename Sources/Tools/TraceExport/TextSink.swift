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
            // open(2) in place, never Foundation's createFile: that writes a new file and renames it over `path`,
            // which replaced /dev/null with a regular file (`export --otlp-endpoint` without `-o`) and would cut a
            // symbolic link or a named pipe the user gave.
            let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw TraceExportError.cannotWrite(path, String(cString: strerror(errno)))
            }
            self.handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
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
