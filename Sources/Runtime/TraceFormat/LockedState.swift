import Foundation

/// A value behind a plain pthread mutex (`NSLock`), for locks taken on every request or event by many threads.
///
/// Not `Synchronization.Mutex` there: on Linux it is a priority-inheritance futex, which hands the lock to the
/// waiter it wakes. On 2 cores with dozens of request threads, a holder that is preempted leaves a queue behind it,
/// and each later unlock hands the lock to a thread that is not running yet, so the queue never drains (a lock
/// convoy): at 32 checkout clients the orchestrator spent 7 % of its samples in `_MutexHandle._lockSlow` and
/// `futex_lock_pi` on its idempotency table, a few nanoseconds of work each time. A plain mutex lets a running
/// thread take a free lock at once. Everywhere else the package uses `Mutex`.
///
/// `@unchecked Sendable` is sound: `value` is only reached through `withLock`, between `lock()` and `unlock()`.
public final class LockedState<Value>: @unchecked Sendable {
    @usableFromInline let lock = NSLock()
    @usableFromInline var value: Value

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, under the lock.
    @inlinable
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
