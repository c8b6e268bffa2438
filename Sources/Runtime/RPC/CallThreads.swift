import Foundation

/// Threads that make blocking calls (libcurl) directly: a job runs on one of at most `maximumThreads` threads,
/// started on demand, in the order the jobs came. A caller hands a call over with one wake-up of a waiting thread,
/// and the thread makes the blocking call itself (no task and no hand-off to another pool in between). The
/// executor's send queues and queue calls use it directly; `BlockingWorkPool` runs async callers' calls on it.
///
/// With `capacity`, at most that many jobs wait: a new job beyond it drops the oldest waiting one (a peer's send
/// queue: the election's timers cover lost messages). `close()` drops the waiting jobs and ends the threads once
/// the jobs under way return.
///
/// `@unchecked Sendable` is sound: every mutable field is read and written only while holding `condition`.
public final class CallThreads: @unchecked Sendable {
    public typealias Job = @Sendable () -> Void

    public let label: String
    public let maximumThreads: Int
    public let capacity: Int?
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [Job] = []
    private var head = 0
    private var threads = 0
    private var idle = 0
    private var closed = false
    private var dropped = 0
    private var busy = 0
    private var mostBusy = 0

    public init(label: String, maximumThreads: Int, capacity: Int? = nil) {
        self.label = label
        self.maximumThreads = max(1, maximumThreads)
        self.capacity = capacity.map { max(1, $0) }
    }

    /// Jobs dropped so far because the queue was full.
    public var droppedJobs: Int { condition.withLock { dropped } }

    /// Threads started so far (never more than `maximumThreads`).
    public var threadsStarted: Int { condition.withLock { threads } }

    /// The most jobs that ran at the same time so far.
    public var mostConcurrentJobs: Int { condition.withLock { mostBusy } }

    /// Queues `job` (nothing when closed); wakes an idle thread or starts one when none is idle and the bound
    /// allows.
    public func submit(_ job: @escaping Job) {
        let start: Bool = condition.withLock {
            guard !closed else { return false }
            if let capacity, jobs.count - head >= capacity {
                head += 1
                dropped += 1
            }
            jobs.append(job)
            compact()
            // Each idle thread takes one waiting job; a job beyond them gets a new thread while the bound allows.
            condition.signal()
            guard jobs.count - head > idle, threads < maximumThreads else { return false }
            threads += 1
            return true
        }
        if start {
            let thread = Thread { [self] in run() }
            thread.name = label
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Drops the waiting jobs and lets every thread end after its job under way.
    public func close() {
        condition.withLock {
            closed = true
            jobs.removeAll()
            head = 0
            condition.broadcast()
        }
    }

    private func run() {
        while let job = next() {
            job()
            condition.withLock { busy -= 1 }
        }
    }

    private func next() -> Job? {
        condition.withLock {
            while !closed, head == jobs.count {
                idle += 1
                condition.wait()
                idle -= 1
            }
            guard !closed else {
                threads -= 1
                return nil
            }
            let job = jobs[head]
            head += 1
            compact()
            busy += 1
            mostBusy = max(mostBusy, busy)
            return job
        }
    }

    /// Forgets the jobs taken or dropped (guarded by `condition`).
    private func compact() {
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
    }
}
