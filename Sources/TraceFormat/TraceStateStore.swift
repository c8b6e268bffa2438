import Causality
import Foundation

/// Keeps a recorder's state file (`TraceNodeState`) up to date: the reservation when the own entry reaches it,
/// the clock and member offset after written batches (at most every `stateIntervalNanos`), and the last state
/// at close. Failures to write are counted, never fatal: the next restart then reads more of the trace.
final class TraceStateStore: @unchecked Sendable {
    let path: String
    private let settings: TraceFileSettings
    private let lock = NSLock()
    private var state: TraceNodeState
    private var lastSave: UInt64 = 0
    private(set) var saveErrors = 0
    /// The held `<node>.lock` (−1 when none).
    var lockDescriptor: Int32 {
        get { lock.withLock { heldLock } }
        set { lock.withLock { heldLock = newValue } }
    }
    private var heldLock: Int32 = -1

    init(path: String, state: TraceNodeState, settings: TraceFileSettings) {
        self.path = path
        self.state = state
        self.settings = settings
    }

    /// The current reservation.
    var reserved: UInt64 { lock.withLock { state.reserved } }

    /// A snapshot of the state (tests).
    var snapshot: TraceNodeState { lock.withLock { state } }

    /// Releases `<node>.lock` (at close). Idempotent.
    func unlock() {
        lock.withLock {
            if heldLock >= 0 { Foundation.close(heldLock) }
            heldLock = -1
        }
    }

    /// Writes the state now.
    func saveNow() {
        lock.withLock { saveLocked(now: Self.monotonic()) }
    }

    /// Reserves own values up to `own + reservation` and saves before returning. Returns the new bound.
    func reserve(above own: UInt64) -> UInt64 {
        lock.withLock {
            state.reserved = max(state.reserved, min(own &+ settings.reservation, TraceNodeState.maximumCounter))
            saveLocked(now: Self.monotonic())
            return state.reserved
        }
    }

    /// A batch reached the file: remember its last clock, watched values and the writer's position.
    func batchWritten(_ batch: [TraceEvent], position: TraceFileWriter.Position) {
        lock.withLock {
            if let last = batch.last { state.clock = last.clock.entries }
            if !settings.watches.isEmpty {
                for event in batch { TraceStateWatch.fold(event, into: &state.highest, watches: settings.watches) }
            }
            // A new member or segment is saved at once: a restart then reads at most about one member of trace.
            let moved = position.segment != state.segment || position.memberOffset != state.memberOffset
            state.segment = position.segment
            state.memberOffset = position.memberOffset
            let now = Self.monotonic()
            if moved || now &- lastSave >= settings.stateIntervalNanos { saveLocked(now: now) }
        }
    }

    private func saveLocked(now: UInt64) {
        lastSave = now
        do { try state.save(to: path) } catch { saveErrors += 1 }
    }

    /// Takes `<directory>/<node>.lock` for this process (released at close or when the process ends), so that two
    /// processes never write one node's trace at once.
    static func lock(node: String, directory: String) throws -> Int32 {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("\(node).lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw TraceReadError.cannotOpen(path, errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw TraceLockError(node: node, path: path)
        }
        return descriptor
    }

    static func monotonic() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// Another live process already writes this node's trace in this run directory.
public struct TraceLockError: Error, CustomStringConvertible {
    public var node: String
    public var path: String
    public var description: String { "\(node) is already tracing into this run (\(path) is locked by a live process)" }
}
