import Foundation
import OrchestratorCore
import RPC
import TraceFormat

/// The orchestrator's `Idempotency-Key` table behind a lock, with the monotonic clock (the thin shell around
/// `IdempotencyTable`). It lives in the orchestrator process only.
final class IdempotencyKeys: Sendable {
    typealias Table = IdempotencyTable<CheckoutDecision>
    /// A plain mutex (`LockedState`): taken twice by every checkout, on every connection's thread.
    private let table: LockedState<Table>
    private let clock: @Sendable () -> UInt64

    init(limits: Table.Limits = .init(), clock: @escaping @Sendable () -> UInt64 = MonotonicClock.nanos) {
        table = LockedState(Table(limits: limits))
        self.clock = clock
    }

    /// Nil when `key` is acceptable, else why not.
    func problem(withKey key: String) -> String? { table.withLock { $0.problem(withKey: key) } }

    /// Admits a request; `freshOrderID` is used when the key is new.
    func admit(key: String, body: Data, freshOrderID: String) -> Table.Admission {
        let digest = SHA256Digest.hex(body)
        let now = clock()
        return table.withLock { $0.admit(key: key, digest: digest, freshOrderID: freshOrderID, now: now) }
    }

    /// Records how the request with `key` ended.
    func finish(key: String, state: Table.State) {
        let now = clock()
        table.withLock { $0.finish(key: key, state: state, now: now) }
    }

    /// Keys remembered now.
    var count: Int { table.withLock { $0.count } }
}
