import Foundation
import Testing

@testable import TraceFormat

/// `LockedState`, the plain mutex of the per-request hot paths: one thread at a time in `withLock`.
@Suite struct LockedStateTests {
    @Test func concurrentUpdatesUnderTheLockAreNeitherLostNorOverlapping() {
        let state = LockedState((count: 0, inside: 0, overlaps: 0))
        let threads = 8
        let perThread = 5_000
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<perThread {
                state.withLock { value in
                    value.inside += 1
                    if value.inside > 1 { value.overlaps += 1 }
                    value.count += 1
                    value.inside -= 1
                }
            }
        }
        let final = state.withLock { $0 }
        #expect(final.count == threads * perThread)
        #expect(final.overlaps == 0)
    }

    @Test func withLockPassesOnWhatTheBodyThrows() {
        struct Refused: Error {}
        let state = LockedState(1)
        #expect(throws: Refused.self) { try state.withLock { _ in throw Refused() } }
        #expect(state.withLock { $0 } == 1)
    }
}
