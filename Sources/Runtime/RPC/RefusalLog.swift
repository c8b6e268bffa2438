import Synchronization

/// Lets at most one log line per interval through for refused requests (a flood of refusals must not flood the
/// log and the trace; every refusal is still counted in a metric). Reports how many were held back since.
final class RefusalLog: Sendable {
    private struct State {
        var lastNanos: UInt64?
        var suppressed = 0
    }

    private let intervalNanos: UInt64
    private let state = Mutex(State())

    init(intervalNanos: UInt64 = 1_000_000_000) {
        self.intervalNanos = intervalNanos
    }

    /// nil when this refusal should not be logged; otherwise how many refusals were not logged before it.
    func admit(now: UInt64) -> Int? {
        state.withLock { state in
            if let last = state.lastNanos, now &- last < intervalNanos {
                state.suppressed += 1
                return nil
            }
            let suppressed = state.suppressed
            state.lastNanos = now
            state.suppressed = 0
            return suppressed
        }
    }
}
