import Dispatch
import Election
import Synchronization

/// The `watch` calls a leader holds, each parked on its own semaphore on the server thread that serves it, and
/// what wakes them: a change of the epoch this replica leads (`update`, after every step of the node) or its stop.
/// Holds at most `limit` calls; beyond, a watch is answered at once (the caller watches again on a later heartbeat).
final class LeaderWatchers: Sendable {
    /// A held watch is answered this long before its caller's deadline.
    static let deadlineMarginNanos: UInt64 = 50_000_000

    private struct State {
        var leading: Epoch?
        var waiters: [UInt64: DispatchSemaphore] = [:]
        var nextID: UInt64 = 0
        var stopping = false
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int = 32) {
        self.limit = max(0, limit)
    }

    /// Watches held now.
    var count: Int { state.withLock { $0.waiters.count } }

    /// The epoch this replica leads now (nil: none). A change wakes every held watch.
    func update(leading: Epoch?) {
        let woken: [DispatchSemaphore] = state.withLock { state in
            guard state.leading != leading else { return [] }
            state.leading = leading
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for semaphore in woken { semaphore.signal() }
    }

    /// The replica stops: every held watch is answered, and later ones are not held.
    func stop() {
        let woken: [DispatchSemaphore] = state.withLock { state in
            state.stopping = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for semaphore in woken { semaphore.signal() }
    }

    /// Blocks the caller while this replica leads `epoch`, at most `nanos`; returns at once when it does not lead
    /// `epoch`, is stopping, or holds `limit` watches already.
    func hold(epoch: Epoch, nanos: UInt64) {
        guard nanos > 0 else { return }
        let semaphore = DispatchSemaphore(value: 0)
        let id: UInt64? = state.withLock { state in
            guard !state.stopping, state.leading == epoch, state.waiters.count < limit else { return nil }
            state.nextID &+= 1
            state.waiters[state.nextID] = semaphore
            return state.nextID
        }
        guard let id else { return }
        if semaphore.wait(timeout: .now() + .nanoseconds(Int(clamping: nanos))) == .timedOut {
            state.withLock { _ = $0.waiters.removeValue(forKey: id) }
        }
    }
}
