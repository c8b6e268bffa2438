import Foundation
import OrderQueueCore

/// The Order Queue's write-ahead log: records framed with length and CRC-32, appended in batches that share one
/// `fdatasync` (group commit) into a preallocated segment (`SegmentFile`), snapshots with log truncation, and
/// recovery by replay (see docs/queue-durability.md).
///
/// `append` only encodes and queues (call it under the caller's state lock, so the log keeps the state's order);
/// `waitDurable` blocks until the batch holding that append is on disk. The waiting threads write the batches
/// themselves: the first to wait while no batch is being written writes everything queued; threads that wait
/// meanwhile sleep, and when that batch is durable the oldest one still waiting writes what was queued during it
/// (their appends share its `fdatasync`). A request thread whose append is alone thus writes it and answers
/// without waking another thread. The store's own thread writes only what no waiting thread will: a snapshot
/// queued after the appends it follows were taken, and what is left at `close`.
/// An append may carry effects (the queue's trace records) that the writing thread runs, in append order, once the
/// append is durable and before its waiters wake: a record that says "committed" then never outlives a commit
/// that a kill took from the log.
///
/// `@unchecked Sendable` is sound: the queued chunks, counters, flags and sleepers are touched only while holding
/// `condition`'s lock, and the open segment (descriptor, generation) only by the one thread that set `writing`
/// (under that lock) until it clears it. A thread in `waitDurable` sleeps on a semaphore of its own, signalled
/// once its ticket is durable, the log failed, or it is to write the next batch: a broadcast would also wake every
/// thread waiting for the next batch.
public final class QueueStore: @unchecked Sendable {
    /// What `open` found and did.
    public struct Recovery: Sendable, Equatable {
        /// Records replayed from the snapshot and from the log segments.
        public var snapshotRecords = 0
        public var logRecords = 0
        /// Records that did not fit the state (a valid log has none).
        public var skippedRecords = 0
        /// Torn or damaged tails that were cut (file and reason).
        public var damage: [String] = []
        public var replayNanos: UInt64 = 0
        /// The orders of the last `recentCommitLimit` commits of the log (oldest first): a kill can take the
        /// newest commits' trace records with it, and these tell the analyzer that the log kept them.
        public var recentCommits: [String] = []
        public static let recentCommitLimit = 1024

        mutating func noteCommit(_ order: String) {
            recentCommits.append(order)
            if recentCommits.count >= 2 * Self.recentCommitLimit {
                recentCommits.removeFirst(recentCommits.count - Self.recentCommitLimit)
            }
        }

        /// The newest commits, at most `recentCommitLimit`.
        public var newestCommits: [String] { Array(recentCommits.suffix(Self.recentCommitLimit)) }
    }

    /// Counters, for metrics and benchmarks.
    public struct Statistics: Sendable, Equatable {
        public var records = 0
        public var batches = 0
        public var bytes = 0
        public var snapshots = 0
        /// Times a segment grew its zero-filled tail (each one an `fsync`).
        public var growths = 0
    }

    public let directory: String
    private let layout: StoreLayout
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var chunks: [Chunk] = []
    private var appended: UInt64 = 0
    private var durable: UInt64 = 0
    /// Threads in `waitDurable`: the ticket each waits for and the semaphore it sleeps on (oldest first).
    private var sleepers: [(ticket: UInt64, semaphore: DispatchSemaphore)] = []
    /// A thread is writing a batch (it alone touches the segment until it clears this).
    private var writing = false
    private var failure: StoreError?
    private var closing = false
    private var finished = false
    private var stats = Statistics()
    private var sinceSnapshot: Int
    /// Holds the directory's `LOCK` (flock): one queue process per data directory.
    private let lockDescriptor: Int32
    // Owned by the thread that set `writing`.
    private var segment: SegmentFile
    private var generation: UInt64
    /// Growths of the segments closed before the open one.
    private var growthsBefore = 0

    /// Room reserved per record when encoding an append (an order's `enqueued` record with its ticket is
    /// about this long; a longer one grows the buffer).
    static let typicalRecordBytes = 256

    /// Work run once an append is durable (see `append(_:then:)`).
    public typealias Effect = @Sendable () -> Void

    private enum Chunk {
        case bytes([UInt8], records: Int, effects: [Effect])
        case snapshot(LeasedOrderQueue)

        var isSnapshot: Bool {
            if case .snapshot = self { true } else { false }
        }

        var byteCount: Int {
            if case .bytes(let data, _, _) = self { data.count } else { 0 }
        }
    }

    private init(
        directory: String, layout: StoreLayout, lock: Int32, segment: SegmentFile, generation: UInt64,
        sinceSnapshot: Int
    ) {
        self.lockDescriptor = lock
        self.directory = directory
        self.layout = layout
        self.segment = segment
        self.generation = generation
        self.sinceSnapshot = sinceSnapshot
    }

    /// Opens (creating) the store in `directory` and replays it into `queue` (which should be empty): the newest
    /// snapshot, then every later log segment. A torn or damaged tail is cut where the last good record ends.
    public static func open(
        directory: String, into queue: inout LeasedOrderQueue, clock: () -> UInt64 = { MonotonicNanos.now() }
    ) throws -> (QueueStore, Recovery) {
        let started = clock()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try lockDirectory(directory)
        do {
            return try replay(directory: directory, lock: lock, into: &queue, started: started, clock: clock)
        } catch {
            Glibc.close(lock)
            throw error
        }
    }

    /// Takes the directory's lock, so that a second queue on the same data cannot corrupt it.
    private static func lockDirectory(_ directory: String) throws -> Int32 {
        let path = (directory as NSString).appendingPathComponent("LOCK")
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileIO.fail("open", path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let error = StoreError(operation: "lock (is another queue using this directory?)", path: path, code: errno)
            Glibc.close(descriptor)
            throw error
        }
        return descriptor
    }

    private static func replay(
        directory: String, lock: Int32, into queue: inout LeasedOrderQueue, started: UInt64, clock: () -> UInt64
    ) throws -> (QueueStore, Recovery) {
        let layout = StoreLayout(directory: directory)
        let (segments, snapshots) = try layout.scan()
        var recovery = Recovery()
        var base: UInt64 = 0
        if let newest = snapshots.last {
            let path = layout.snapshot(newest)
            let scan = Framing.scan(try FileIO.read(path)) { if !queue.apply($0) { recovery.skippedRecords += 1 } }
            if let damage = scan.damage {
                throw StoreError(operation: "snapshot damaged (\(damage))", path: path, code: 0)
            }
            recovery.snapshotRecords = scan.records
            base = newest
        }
        let live = segments.filter { $0 >= base }
        var end = 0
        for generation in live {
            let path = layout.segment(generation)
            let bytes = try FileIO.read(path)
            let scan = Framing.scan(bytes, zeroTailEnds: true) { record in
                if !queue.apply(record) {
                    recovery.skippedRecords += 1
                } else if case .committed(let commit) = record {
                    recovery.noteCommit(commit.orderId)
                }
            }
            recovery.logRecords += scan.records
            if let damage = scan.damage {
                // Only the newest segment can end torn (a segment is fsynced before the next one opens): damage
                // anywhere else would drop acknowledged records, so the queue refuses to start, as for a snapshot.
                guard generation == live.last else {
                    throw StoreError(operation: "log segment damaged (\(damage))", path: path, code: 0)
                }
                recovery.damage.append(
                    "\((path as NSString).lastPathComponent): \(damage), cut at byte \(scan.validEnd)")
                try FileIO.truncate(path, to: scan.validEnd)
            }
            end = scan.validEnd
        }
        try layout.removeBefore(base)
        let generation = live.last ?? base
        // Appends continue after the newest segment's last frame (its zero tail, if any, is overwritten).
        let segment = try SegmentFile.open(layout.segment(generation), at: live.isEmpty ? 0 : end)
        do {
            try FileIO.syncDirectory(directory)
        } catch {
            segment.close()
            throw error
        }
        recovery.replayNanos = clock() &- started
        let store = QueueStore(
            directory: directory, layout: layout, lock: lock, segment: segment, generation: generation,
            sinceSnapshot: recovery.logRecords)
        let thread = Thread { store.run() }
        thread.name = "queue-wal"
        thread.start()
        return (store, recovery)
    }

    /// Encodes and queues `records`; returns the ticket to wait for. Throws once the log has failed.
    public func append(_ records: [QueueRecord]) throws -> UInt64 {
        try append(records, then: [])
    }

    /// Encodes and queues `records`, and `effects` to run once they (and every earlier append) are durable; returns
    /// the ticket to wait for. The caller waits for it (`waitDurable`): waiting threads write the appends, the
    /// store's thread only snapshots and, at `close`, what is left. With no records, the ticket covers every earlier
    /// append: an answer drawn from the state must wait for it too. Effects run in append order, on the committer
    /// thread, before waiters wake; when nothing is pending they run at once, on the caller's thread. Throws once
    /// the log has failed.
    public func append(_ records: [QueueRecord], then effects: [Effect]) throws -> UInt64 {
        try append(records, then: effects, snapshotEvery: .max).ticket
    }

    /// `append(_:then:)` that also tells whether `limit` or more records were appended since the last snapshot was
    /// queued (read under the same lock: the caller need not ask `recordsSinceSnapshot` again).
    public func append(
        _ records: [QueueRecord], then effects: [Effect], snapshotEvery limit: Int
    ) throws -> (ticket: UInt64, snapshotDue: Bool) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.count * Self.typicalRecordBytes)
        for record in records { Framing.append(record, to: &bytes) }
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        guard !closing else { throw StoreError(operation: "append after close", path: directory, code: 0) }
        if records.isEmpty && chunks.isEmpty && durable == appended {
            for effect in effects { effect() }
            return (appended, sinceSnapshot >= limit)
        }
        guard !records.isEmpty || !effects.isEmpty else { return (appended, sinceSnapshot >= limit) }
        appended += 1
        sinceSnapshot += records.count
        // No thread is woken: the caller's `waitDurable` writes this (or finds it written).
        chunks.append(.bytes(bytes, records: records.count, effects: effects))
        return (appended, sinceSnapshot >= limit)
    }

    /// Blocks until the append with `ticket` (and every earlier one) is on disk; throws if the log failed. Writes the
    /// queued batch itself when no other thread is writing one.
    public func waitDurable(_ ticket: UInt64) throws {
        condition.lock()
        while true {
            if durable >= ticket {
                condition.unlock()
                return
            }
            if let failure {
                condition.unlock()
                throw failure
            }
            if !writing {
                // Returns with the lock held again; the loop then finds the ticket durable (or the failure).
                writeQueued()
                continue
            }
            // Signalled once, when `ticket` is durable, the log failed, or this thread is to write the next batch.
            let semaphore = DispatchSemaphore(value: 0)
            sleepers.append((ticket, semaphore))
            condition.unlock()
            semaphore.wait()
            condition.lock()
        }
    }

    /// Threads asleep in `waitDurable` (for tests).
    var waitingThreads: Int { condition.withLock { sleepers.count } }

    /// Records appended since the last snapshot was queued.
    public var recordsSinceSnapshot: Int { condition.withLock { sinceSnapshot } }

    /// Queues a snapshot of `queue` (its state after every append so far): the committer starts a new log
    /// segment here, writes the snapshot atomically, then deletes what it covers.
    public func snapshot(_ queue: LeasedOrderQueue) {
        condition.lock()
        defer { condition.unlock() }
        guard failure == nil, !closing else { return }
        sinceSnapshot = 0
        chunks.append(.snapshot(queue))
        // Written by the caller's `waitDurable` when its append is still queued; else by the store's thread.
        if !writing { condition.broadcast() }
    }

    public var statistics: Statistics { condition.withLock { stats } }

    /// Writes what is queued, syncs and stops the committer.
    public func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    // MARK: Writing batches

    /// With the lock held and no batch being written: writes every queued chunk (the lock released meanwhile), runs
    /// their effects, marks them durable and wakes the threads waiting for them. Chunks queued meanwhile go to the
    /// oldest thread still waiting (it was waiting for them anyway), else to the store's thread. Returns with the
    /// lock held.
    private func writeQueued() {
        writing = true
        let batch = chunks
        chunks.removeAll()
        let target = appended
        condition.unlock()
        var outcome: Result<(records: Int, bytes: Int), StoreError>
        do {
            let written = try commit(batch)
            for case .bytes(_, _, let effects) in batch { for effect in effects { effect() } }
            outcome = .success(written)
        } catch {
            outcome = .failure(error as? StoreError ?? StoreError(operation: "\(error)", path: directory, code: 0))
        }
        condition.lock()
        writing = false
        var ready: [DispatchSemaphore]
        switch outcome {
        case .success(let written):
            durable = target
            if !batch.isEmpty {
                stats.batches += 1
                stats.records += written.records
                stats.bytes += written.bytes
                stats.growths = segment.growths + growthsBefore
            }
            ready = takeSleepers(upTo: target)
            if !chunks.isEmpty {
                if sleepers.isEmpty {
                    condition.broadcast()
                } else {
                    ready.append(sleepers.removeFirst().semaphore)
                }
            }
        case .failure(let error):
            failure = error
            ready = takeSleepers(upTo: .max)
        }
        if closing { condition.broadcast() }
        for semaphore in ready { semaphore.signal() }
    }

    /// The store's thread: writes what no waiting thread will (snapshots queued after the appends they follow were
    /// taken), and at `close` what is left, then cuts the segment's tail and releases the directory. Appends are
    /// always written by the threads that wait for them (every append is waited for): this thread leaves them
    /// alone, even when it happens to run between an append and its wait or in a hand-off to the oldest sleeper.
    private func run() {
        condition.lock()
        while true {
            if !writing && !chunks.isEmpty && failure == nil && (closing || chunks.allSatisfy(\.isSnapshot)) {
                writeQueued()
                continue
            }
            if closing && !writing { break }
            condition.wait()
        }
        condition.unlock()
        // A clean stop cuts the zero tail (an older queue reading the directory would take it for damage).
        if failure == nil { try? segment.finish() }
        segment.close()
        Glibc.close(lockDescriptor)
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Removes and returns the semaphores of the sleepers whose ticket is at most `ticket` (call under the lock).
    private func takeSleepers(upTo ticket: UInt64) -> [DispatchSemaphore] {
        var ready: [DispatchSemaphore] = []
        sleepers.removeAll { sleeper in
            guard sleeper.ticket <= ticket else { return false }
            ready.append(sleeper.semaphore)
            return true
        }
        return ready
    }

    /// Writes one batch in order (snapshots switch the segment), then `fdatasync`s the current segment.
    private func commit(_ batch: [Chunk]) throws -> (records: Int, bytes: Int) {
        var records = 0
        var bytes = 0
        var pending: [UInt8] = []
        pending.reserveCapacity(batch.reduce(0) { $0 + $1.byteCount })
        for chunk in batch {
            switch chunk {
            case .bytes(let data, let count, _):
                pending += data
                records += count
                bytes += data.count
            case .snapshot(let queue):
                try segment.append(pending)
                pending.removeAll()
                try writeSnapshot(of: queue)
            }
        }
        guard !pending.isEmpty || batch.contains(where: \.isSnapshot) else { return (0, 0) }  // effects only
        try segment.append(pending)
        try segment.syncData()
        return (records, bytes)
    }

    /// Ends the current segment, starts the next, and writes snapshot `next` (the state before it).
    private func writeSnapshot(of queue: LeasedOrderQueue) throws {
        try segment.finish()
        let next = generation + 1
        let fresh = try SegmentFile.open(layout.segment(next), at: 0)
        try FileIO.syncDirectory(directory)
        segment.close()
        growthsBefore += segment.growths
        segment = fresh
        generation = next
        var bytes: [UInt8] = []
        for record in queue.snapshotRecords() { Framing.append(record, to: &bytes) }
        try FileIO.replace(layout.snapshot(next), with: bytes, directory: directory)
        try layout.removeBefore(next)
        condition.withLock { stats.snapshots += 1 }
    }
}

/// CLOCK_MONOTONIC in nanoseconds.
public enum MonotonicNanos {
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(clamping: spec.tv_sec) &* 1_000_000_000 &+ UInt64(clamping: spec.tv_nsec)
    }
}
