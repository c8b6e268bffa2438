/// A bounded set of worker threads that run blocking work (a libcurl exchange) for async callers.
///
/// An async caller suspends while its job waits in the queue and runs on one of at most `maximumThreads` threads
/// started on demand (`CallThreads`), so a blocking call never occupies a thread of Swift's cooperative pool, and the
/// number of threads stays bounded however many calls are in flight (the rest wait their turn in the queue).
final class BlockingWorkPool: Sendable {
    typealias Job = CallThreads.Job

    private let threads: CallThreads

    init(label: String, maximumThreads: Int) {
        threads = CallThreads(label: label, maximumThreads: maximumThreads)
    }

    /// The bound on the pool's threads.
    var maximumThreads: Int { threads.maximumThreads }

    /// Threads started so far (never more than `maximumThreads`; they live as long as the pool).
    var threadsStarted: Int { threads.threadsStarted }

    /// The most jobs that ran at the same time so far.
    var mostConcurrentJobs: Int { threads.mostConcurrentJobs }

    /// Runs `work` on a pool thread and returns its result; the caller's task suspends meanwhile.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: work()) }
        }
    }

    /// Queues `job`; starts a thread when no worker is idle and the bound allows one.
    func submit(_ job: @escaping Job) { threads.submit(job) }
}
