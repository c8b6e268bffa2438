import TraceModel

/// The version every executable prints for `--version` (`bookstore`, `trace-analyzer`, `bookstore-bench`): the
/// release and the trace format it writes and reads (docs/trace-format.md).
public enum BookstoreVersion {
    /// The release; raise it with every change to a command line, the trace format or the wire protocol.
    public static let release = "1.4.0"

    /// `1.4.0 (trace format v1)`.
    public static var text: String { "\(release) (trace format v\(TraceEvent.schemaVersion))" }
}
