import Causality
import Foundation
import Synchronization

/// A node's vector clock and event log, kept together so that every recorded event ticks the clock
/// and gets the next sequence number atomically. Shared by all threads of a process.
///
/// With no writer (tracing off) clocks still tick and merge, so causality travels the same way.
public final class TraceRecorder: Sendable {
    private struct State {
        var clock = VectorClock()
        var sequence: UInt64 = 0
        /// The own entry may reach this without saving a new reservation (max: no state file).
        var reserved = UInt64.max
        /// Sees every recorded event (the live OTLP export); called under the lock, so it must only queue.
        var observer: (@Sendable (TraceEvent) -> Void)?
    }

    /// This node's id: its entry in every vector clock.
    public let node: String
    /// The recording process's id.
    public let pid: Int32
    private let writer: TraceFileWriter?
    private let store: TraceStateStore?
    private let wallClock: @Sendable () -> Int64
    // A pthread mutex rather than `Synchronization.Mutex`: on 2 cores with many request threads the latter's
    // spinning showed up as the top user-space cost of tracing.
    private let state = LockedState(State())
    /// True while an observer is set (read without the lock, to skip building payloads nobody will see).
    private let observing = Atomic<Bool>(false)

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
        self.store = nil
    }

    private init(node: String, writer: TraceFileWriter, store: TraceStateStore, clock: VectorClock) {
        self.node = node
        self.writer = writer
        self.pid = getpid()
        self.wallClock = TraceRecorder.systemWallClock
        self.store = store
        state.withLock {
            $0.clock = clock
            $0.reserved = store.reserved
        }
    }

    /// A recorder writing `<directory>/<node>.jsonl.gz` (rotated to `<node>.1.jsonl.gz`, … by size) and keeping
    /// `<directory>/<node>.state`.
    ///
    /// A restarted node continues its clock from the state file and the trace behind the state's last member
    /// offset (never the whole trace while the state file is valid), above the reservation of the earlier
    /// incarnation, so its own entry never repeats a value that one used. An invalid state file is ignored
    /// with a line on stderr, and the whole trace is read instead.
    public static func file(
        node: String, directory: String, settings: TraceFileSettings = .current
    ) throws -> TraceRecorder {
        let lock = try TraceStateStore.lock(node: node, directory: directory)
        let recovery = TraceRecovery.recover(node: node, directory: directory, settings: settings)
        if let ignored = recovery.ignoredState {
            var line = Array("trace state ignored for \(node): \(ignored); reading the whole trace\n".utf8)
            _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        }
        let own = recovery.clock[node]
        let store = TraceStateStore(
            path: TraceNodeState.path(node: node, directory: directory),
            state: TraceNodeState(
                node: node, clock: recovery.clock.entries,
                reserved: min(own &+ settings.reservation, TraceNodeState.maximumCounter), segment: recovery.segment,
                memberOffset: 0, highest: recovery.highest),
            settings: settings)
        let path = TraceSegments.path(node: node, segment: recovery.segment, directory: directory)
        let writer: TraceFileWriter
        do {
            writer = try TraceFileWriter(
                path: path, compression: settings.compression, segmentBytes: settings.segmentBytes,
                memberBytes: settings.memberBytes,
                onBatch: { [store] batch, position in store.batchWritten(batch, position: position) })
        } catch {
            Foundation.close(lock)
            throw error
        }
        store.lockDescriptor = lock
        store.batchWritten([], position: writer.startPosition)
        store.saveNow()
        return TraceRecorder(node: node, writer: writer, store: store, clock: recovery.clock)
    }

    /// The remembered highest value of a watched field (`TraceFileSettings.watches`), as recovered at start
    /// and updated as events are written.
    public func remembered(_ name: String) -> String? { store?.snapshot.highest[name] }

    /// The state this recorder keeps in its state file (nil without one).
    public var nodeState: TraceNodeState? { store?.snapshot }

    /// The trace file of `node` in a run directory.
    public static func path(node: String, directory: String) -> String {
        (directory as NSString).appendingPathComponent("\(node).jsonl.gz")
    }

    /// True when events are written somewhere.
    public var isTracing: Bool { writer != nil }

    /// True when recorded events go somewhere (a file or an observer): else only the clock ticks, and callers
    /// may skip building the event's fields.
    public var recordsEvents: Bool { writer != nil || observing.load(ordering: .relaxed) }

    /// The current clock (without ticking).
    public var clock: VectorClock { state.withLock { $0.clock } }

    /// Records one event: merges `remote` (a received message's clock) if given, ticks this node's entry,
    /// and queues the event with the resulting clock. Returns that clock.
    @discardableResult
    public func record(
        _ kind: EventKind, context: TraceContext? = nil, merging remote: VectorClock? = nil,
        data: [String: TraceValue] = [:]
    ) -> VectorClock {
        record(kind, context: context, merging: remote, fields: TraceEventFields(data))
    }

    /// Records one event with `fields` (a typed payload is kept as it is and encoded by the writer straight to the
    /// file's bytes).
    func record(
        _ kind: EventKind, context: TraceContext?, merging remote: VectorClock?, fields: TraceEventFields
    ) -> VectorClock {
        state.withLock { state in
            if let remote { state.clock.merge(remote) }
            state.clock.tick(node)
            if state.clock[node] > state.reserved, let store {
                state.reserved = store.reserve(above: state.clock[node])
            }
            state.sequence += 1
            if writer != nil || state.observer != nil {
                let event = TraceEvent(
                    wallTimeNanos: wallClock(), node: node, pid: pid, sequence: state.sequence, kind: kind,
                    traceID: context?.traceID, spanID: context?.spanID, parentSpanID: context?.parentSpanID,
                    clock: state.clock, fields: fields)
                state.observer?(event)
                if let writer { writer.append(consume event) }  // moved into the queue, not copied
            }
            return state.clock
        }
    }

    /// Hands every event recorded from now on, exactly as written to the file, to `observer` as well (nil: to
    /// nobody). The observer runs under the recorder's lock, in recording order: it must only queue the event.
    public func observe(_ observer: (@Sendable (TraceEvent) -> Void)?) {
        state.withLock {
            $0.observer = observer
            observing.store(observer != nil, ordering: .relaxed)
        }
    }

    /// Waits until everything recorded so far is in the file.
    public func flush() { writer?.flush() }

    /// Flushes and closes the file; later events are dropped (and counted).
    public func close() {
        writer?.close()
        store?.saveNow()
        store?.unlock()
    }

    /// The writer's counters (zero when not tracing).
    public var statistics: TraceFileWriter.Statistics { writer?.statistics ?? .init() }

    /// Unix time in nanoseconds from the system clock.
    @Sendable public static func systemWallClock() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
