import Dispatch
import Foundation
import Synchronization

/// A bounded set of worker threads that run blocking work (a libcurl exchange) for async callers.
///
/// An async caller suspends while its job waits in the queue and runs on one of at most `maximumThreads` threads
/// started on demand, so a blocking call never occupies a thread of Swift's cooperative pool, and the number of
/// threads stays bounded however many calls are in flight (the rest wait their turn in the queue).
final class BlockingWorkPool: Sendable {
    typealias Job = @Sendable () -> Void

    private struct State {
        var jobs: [Job] = []
        /// Index of the next job to run in `jobs` (compacted when the queue drains).
        var head = 0
        var threads = 0
        /// Workers waiting for a job (or woken and about to take one).
        var idle = 0
        var busy = 0
        var mostBusy = 0
    }

    /// The bound on the pool's threads.
    let maximumThreads: Int
    private let label: String
    private let state = Mutex(State())
    /// Counts the jobs queued and not yet taken: a worker waits on it, each submit signals it once.
    private let queued = DispatchSemaphore(value: 0)

    init(label: String, maximumThreads: Int) {
        self.label = label
        self.maximumThreads = max(1, maximumThreads)
    }

    /// Threads started so far (never more than `maximumThreads`; they live as long as the pool).
    var threadsStarted: Int { state.withLock { $0.threads } }

    /// The most jobs that ran at the same time so far.
    var mostConcurrentJobs: Int { state.withLock { $0.mostBusy } }

    /// Runs `work` on a pool thread and returns its result; the caller's task suspends meanwhile.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: work()) }
        }
    }

    /// Queues `job`; starts a thread when no worker is idle and the bound allows one.
    func submit(_ job: @escaping Job) {
        let startThread = state.withLock { state -> Bool in
            state.jobs.append(job)
            guard state.jobs.count - state.head > state.idle, state.threads < maximumThreads else { return false }
            state.threads += 1
            return true
        }
        if startThread {
            let thread = Thread { [self] in workLoop() }
            thread.name = label
            thread.stackSize = 1 << 20
            thread.start()
        }
        queued.signal()
    }

    private func workLoop() {
        while true {
            state.withLock { $0.idle += 1 }
            queued.wait()
            let job = state.withLock { state -> Job in
                state.idle -= 1
                let job = state.jobs[state.head]
                state.head += 1
                if state.head == state.jobs.count {
                    state.jobs.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                state.busy += 1
                state.mostBusy = max(state.mostBusy, state.busy)
                return job
            }
            job()
            state.withLock { $0.busy -= 1 }
        }
    }
}
