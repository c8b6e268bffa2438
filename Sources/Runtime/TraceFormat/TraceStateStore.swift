import Causality
import Foundation
import Synchronization

/// Keeps a recorder's state file (`TraceNodeState`) up to date: the reservation when the own entry reaches it,
/// the clock and member offset after written batches (at most every `stateIntervalNanos`), and the last state
/// at close. Failures to write are counted, never fatal: the next restart then reads more of the trace.
final class TraceStateStore: Sendable {
    private struct Guarded {
        var state: TraceNodeState
        /// The clock of the last written event, not yet in `state` (made a dictionary only when the state is
        /// read or saved, not for every batch).
        var writtenClock: VectorClock?
        var lastSave: UInt64 = 0
        var saveErrors = 0
        /// The held `<node>.lock` (−1 when none).
        var heldLock: Int32 = -1
    }

    let path: String
    private let settings: TraceFileSettings
    private let guarded: Mutex<Guarded>

    /// Failed writes of the state file so far.
    var saveErrors: Int { guarded.withLock { $0.saveErrors } }
    /// The held `<node>.lock` (−1 when none).
    var lockDescriptor: Int32 {
        get { guarded.withLock { $0.heldLock } }
        set { guarded.withLock { $0.heldLock = newValue } }
    }

    init(path: String, state: TraceNodeState, settings: TraceFileSettings) {
        self.path = path
        self.guarded = Mutex(Guarded(state: state))
        self.settings = settings
    }

    /// The current reservation.
    var reserved: UInt64 { guarded.withLock { $0.state.reserved } }

    /// A snapshot of the state (tests).
    var snapshot: TraceNodeState {
        guarded.withLock { guarded in
            Self.settle(&guarded)
            return guarded.state
        }
    }

    /// Releases `<node>.lock` (at close). Idempotent.
    func unlock() {
        guarded.withLock { guarded in
            if guarded.heldLock >= 0 { Foundation.close(guarded.heldLock) }
            guarded.heldLock = -1
        }
    }

    /// Writes the state now.
    func saveNow() {
        guarded.withLock { save(&$0, now: Self.monotonic()) }
    }

    /// Reserves own values up to `own + reservation` and saves before returning. Returns the new bound.
    func reserve(above own: UInt64) -> UInt64 {
        guarded.withLock { guarded in
            guarded.state.reserved = max(
                guarded.state.reserved, min(own &+ settings.reservation, TraceNodeState.maximumCounter))
            save(&guarded, now: Self.monotonic())
            return guarded.state.reserved
        }
    }

    /// A batch reached the file: remember its last clock, watched values and the writer's position.
    func batchWritten(_ batch: [TraceEvent], position: TraceFileWriter.Position) {
        guarded.withLock { guarded in
            if let last = batch.last { guarded.writtenClock = last.clock }
            if !settings.watches.isEmpty {
                for event in batch {
                    TraceStateWatch.fold(event, into: &guarded.state.highest, watches: settings.watches)
                }
            }
            // A new member or segment is saved at once: a restart then reads at most about one member of trace.
            let moved =
                position.segment != guarded.state.segment || position.memberOffset != guarded.state.memberOffset
            guarded.state.segment = position.segment
            guarded.state.memberOffset = position.memberOffset
            let now = Self.monotonic()
            if moved || now &- guarded.lastSave >= settings.stateIntervalNanos { save(&guarded, now: now) }
        }
    }

    /// Moves the last written clock into the state.
    private static func settle(_ guarded: inout Guarded) {
        guard let clock = guarded.writtenClock else { return }
        guarded.state.clock = clock.entries
        guarded.writtenClock = nil
    }

    private func save(_ guarded: inout Guarded, now: UInt64) {
        Self.settle(&guarded)
        guarded.lastSave = now
        do { try guarded.state.save(to: path) } catch { guarded.saveErrors += 1 }
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
