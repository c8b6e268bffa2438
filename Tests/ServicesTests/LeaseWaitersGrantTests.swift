import ClusterProtocol
import Dispatch
import Election
import Foundation
import Logging
import OrderQueueCore
import RPC
import Testing
import TraceFormat

@testable import Services

/// Grants on the queue's held lease requests: an enqueue answers a held request itself (`grant`), the request is no
/// longer held, and it learns whether its grant is durable only from `deliver`: before that (its wait ended first)
/// it must wait for the log itself. Real threads, short waits.
@Suite("Lease waiters: grants by an enqueue")
struct LeaseWaitersGrantTests {
    let epoch = Epoch(term: 3, leader: 2)

    func context() -> RequestContext {
        RequestContext(
            trace: .newTrace(), operation: "queue.lease", peer: "executor-2", deadlineNanos: nil,
            recorder: TraceRecorder(node: "queue", writer: nil),
            logger: Logger(label: "test") { _ in
                SwiftLogNoOpLogHandler()
            })
    }

    func held(_ waiters: LeaseWaiters, slot: Int) throws -> LeaseWaiters.Waiter {
        let hold = waiters.hold(executor: 2, slot: slot, epoch: epoch, context: context(), ticket: waiters.ticket())
        guard case .held(let waiter) = hold else { throw Unexpected(description: "not held: \(hold)") }
        return waiter
    }

    struct Unexpected: Error {
        var description: String
    }

    @Test func aGrantedRequestIsNoLongerHeldAndWakesDurableOnlyWhenDelivered() throws {
        let waiters = LeaseWaiters(limit: 8)
        let first = try held(waiters, slot: 0)
        let second = try held(waiters, slot: 1)
        var offered: [Int] = []
        let granted = waiters.grant { waiter in
            offered.append(waiter.slot)
            return waiter.slot == 0 ? .empty(depth: 7) : nil
        }
        #expect(offered == [0, 1], "every held request is offered, oldest first")
        #expect(granted.map(\.id) == [first.id])
        #expect(waiters.count == 1, "the granted request is no longer held")
        let woken = DispatchSemaphore(value: 0)
        let wake = WakeBox()
        Thread.detachNewThread {
            wake.set(waiters.wait(first, nanos: 5_000_000_000))
            woken.signal()
        }
        #expect(woken.wait(timeout: .now() + 0.2) == .timedOut, "not woken before `deliver`")
        waiters.deliver(granted, durable: true)
        #expect(woken.wait(timeout: .now() + 5) == .success)
        #expect(wake.value == .granted(.empty(depth: 7), durable: true))
        // The request not granted still waits and times out as before.
        #expect(waiters.wait(second, nanos: 10_000_000) == .timeout)
    }

    @Test func aGrantedRequestWhoseWaitEndsBeforeTheDeliveryIsToldTheGrantIsNotYetDurable() throws {
        let waiters = LeaseWaiters(limit: 8)
        let waiter = try held(waiters, slot: 0)
        let granted = waiters.grant { _ in .fenced(by: Epoch(term: 4, leader: 3)) }
        #expect(
            waiters.wait(waiter, nanos: 10_000_000) == .granted(.fenced(by: Epoch(term: 4, leader: 3)), durable: false))
        // A late delivery finds nothing left to mark and only signals.
        waiters.deliver(granted, durable: true)
        #expect(waiters.count == 0)
    }

    @Test func aDeliveryAfterALogFailureLeavesTheGrantUndurable() throws {
        let waiters = LeaseWaiters(limit: 8)
        let waiter = try held(waiters, slot: 0)
        let granted = waiters.grant { _ in .empty(depth: 0) }
        waiters.deliver(granted, durable: false)
        #expect(waiters.wait(waiter, nanos: 5_000_000_000) == .granted(.empty(depth: 0), durable: false))
    }

    final class WakeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var wake: LeaseWaiters.Wake?
        func set(_ value: LeaseWaiters.Wake) { lock.withLock { wake = value } }
        var value: LeaseWaiters.Wake? { lock.withLock { wake } }
    }
}
