import Causality
import Foundation

/// A node's vector clock and event log, kept together so that every recorded event ticks the clock
/// and gets the next sequence number atomically. Shared by all threads of a process.
///
/// With no writer (tracing off) clocks still tick and merge, so causality travels the same way.
public final class TraceRecorder: Sendable {
    private struct State {
        var clock = VectorClock()
        var sequence: UInt64 = 0
    }

    /// This node's id: its entry in every vector clock.
    public let node: String
    /// The recording process's id.
    public let pid: Int32
    private let writer: TraceFileWriter?
    private let wallClock: @Sendable () -> Int64
    // A pthread mutex rather than `Synchronization.Mutex`: on 2 cores with many request threads the latter's
    // spinning showed up as the top user-space cost of tracing.
    private let state = LockedState(State())

    /// - Parameters:
    ///   - writer: where events go; nil records nothing but still keeps the clock.
    ///   - wallClock: unix nanoseconds; injected by tests.
    public init(
        node: String, writer: TraceFileWriter?, pid: Int32 = getpid(),
        wallClock: @escaping @Sendable () -> Int64 = TraceRecorder.systemWallClock
    ) {
        self.node = node
        self.writer = writer
        self.pid = pid
        self.wallClock = wallClock
    }

    /// A recorder writing `<directory>/<node>.jsonl.gz`.
    ///
    /// When the file already exists (a restarted node), the clock continues from the last event readable
    /// in it, so the node's own entry never repeats a value that an earlier incarnation already used.
    public static func file(node: String, directory: String) throws -> TraceRecorder {
        let path = Self.path(node: node, directory: directory)
        let previous = Self.lastClock(path: path, node: node)
        let recorder = TraceRecorder(node: node, writer: try TraceFileWriter(path: path))
        if let previous {
            recorder.state.withLock { $0.clock = previous }
        }
        return recorder
    }

    /// The merged clock of every readable event of `node` in an existing file (nil when there is none).
    static func lastClock(path: String, node: String) -> VectorClock? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var clock: VectorClock?
        _ = try? TraceFileReader().read(path: path) { event in
            guard event.node == node else { return }
            clock = (clock ?? VectorClock()).merged(with: event.clock)
        }
        return clock
    }

    /// The trace file of `node` in a run directory.
    public static func path(node: String, directory: String) -> String {
        (directory as NSString).appendingPathComponent("\(node).jsonl.gz")
    }

    /// True when events are written somewhere.
    public var isTracing: Bool { writer != nil }

    /// The current clock (without ticking).
    public var clock: VectorClock { state.withLock { $0.clock } }

    /// Records one event: merges `remote` (a received message's clock) if given, ticks this node's entry,
    /// and queues the event with the resulting clock. Returns that clock.
    @discardableResult
    public func record(
        _ kind: EventKind, context: TraceContext? = nil, merging remote: VectorClock? = nil,
        data: [String: TraceValue] = [:]
    ) -> VectorClock {
        state.withLock { state in
            if let remote { state.clock.merge(remote) }
            state.clock.tick(node)
            state.sequence += 1
            if let writer {
                writer.append(
                    TraceEvent(
                        wallTimeNanos: wallClock(), node: node, pid: pid, sequence: state.sequence, kind: kind,
                        traceID: context?.traceID, spanID: context?.spanID, parentSpanID: context?.parentSpanID,
                        clock: state.clock, data: data))
            }
            return state.clock
        }
    }

    /// Waits until everything recorded so far is in the file.
    public func flush() { writer?.flush() }

    /// Flushes and closes the file; later events are dropped (and counted).
    public func close() { writer?.close() }

    /// The writer's counters (zero when not tracing).
    public var statistics: TraceFileWriter.Statistics { writer?.statistics ?? .init() }

    /// Unix time in nanoseconds from the system clock.
    @Sendable public static func systemWallClock() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}

/// A value behind a pthread mutex (`NSLock`).
final class LockedState<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
