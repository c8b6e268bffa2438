import Dispatch
import Foundation
import RPC
import Synchronization
import Testing

@testable import Services

/// The executor's call threads (`CallThreads`): a peer's send queue keeps order and drops the oldest beyond its
/// capacity; the queue-call threads never make a call wait behind a blocked one while the bound allows a thread;
/// `close` drops what waits. Real threads, blocked on semaphores the test releases.
@Suite("Executor call threads")
struct ExecutorCallThreadsTests {
    /// What the jobs did, shared with them (a class: jobs are escaping closures).
    final class Log: Sendable {
        let numbers = Mutex<[Int]>([])
        let count = Atomic<Int>(0)
    }

    @Test func oneThreadRunsTheJobsInOrderAndDropsTheOldestBeyondCapacity() {
        let threads = CallThreads(label: "test-send", maximumThreads: 1, capacity: 3)
        let gate = DispatchSemaphore(value: 0)
        let ran = Log()
        let done = DispatchSemaphore(value: 0)
        let holding = DispatchSemaphore(value: 0)
        threads.submit {  // holds the one thread while the queue fills
            holding.signal()
            gate.wait()
        }
        #expect(holding.wait(timeout: .now() + 10) == .success)
        for number in 1...5 { threads.submit { ran.numbers.withLock { $0.append(number) } } }
        threads.submit { done.signal() }
        gate.signal()
        #expect(done.wait(timeout: .now() + 10) == .success)
        // Capacity 3: of 1…5 and the last job, the three newest are kept.
        #expect(ran.numbers.withLock { $0 } == [4, 5])
        #expect(threads.droppedJobs == 3)
        #expect(threads.threadsStarted == 1)
        threads.close()
    }

    @Test func aJobDoesNotWaitBehindABlockedOneWhileTheBoundAllowsAThread() {
        let threads = CallThreads(label: "test-queue", maximumThreads: 3)
        let gate = DispatchSemaphore(value: 0)
        let second = DispatchSemaphore(value: 0)
        threads.submit { gate.wait() }  // a long poll
        threads.submit { second.signal() }
        #expect(second.wait(timeout: .now() + 10) == .success, "the second job ran while the first was blocked")
        #expect(threads.threadsStarted == 2)
        gate.signal()
        threads.close()
    }

    @Test func idleThreadsAreReusedInsteadOfStartingNewOnes() {
        let threads = CallThreads(label: "test-reuse", maximumThreads: 8)
        for _ in 0..<20 {
            let done = DispatchSemaphore(value: 0)
            threads.submit { done.signal() }
            #expect(done.wait(timeout: .now() + 10) == .success)
            Thread.sleep(forTimeInterval: 0.002)
        }
        #expect(threads.threadsStarted <= 2, "one call at a time needs about one thread")
        threads.close()
    }

    @Test func closeDropsTheWaitingJobsAndRefusesNewOnes() {
        let threads = CallThreads(label: "test-close", maximumThreads: 1)
        let gate = DispatchSemaphore(value: 0)
        let ran = Log()
        let holding = DispatchSemaphore(value: 0)
        threads.submit {
            holding.signal()
            gate.wait()
        }
        #expect(holding.wait(timeout: .now() + 10) == .success)
        threads.submit { ran.count.add(1, ordering: .relaxed) }
        threads.close()
        threads.submit { ran.count.add(1, ordering: .relaxed) }
        gate.signal()
        Thread.sleep(forTimeInterval: 0.2)
        #expect(ran.count.load(ordering: .relaxed) == 0)
    }
}
