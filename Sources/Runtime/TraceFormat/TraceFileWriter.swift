import Foundation

/// Appends events to one gzip-compressed JSONL file from a background thread (group commit).
///
/// `append` only queues the event; the writer thread lets a batch gather for `batchInterval` after its first event,
/// takes everything queued, encodes it, compresses it and writes it with one sync flush per batch. A batch reaches
/// the kernel within a few milliseconds of being queued, so a `kill -9` loses only the last moments, and what was
/// written stays readable up to the cut. While nothing is queued the writer sleeps (an idle node costs no
/// wake-ups); `append` wakes it only for the first event after such a sleep, never per event: waking it per event
/// cost more than the I/O.
///
/// `@unchecked Sendable` is sound: the queue, counters and flags are touched only while holding `condition`'s
/// lock, and the file state (descriptor, segment, member offsets, compressor) only by the writer thread (and by
/// `close` after that thread has finished). A condition variable is what `Mutex` does not offer.
public final class TraceFileWriter: @unchecked Sendable {
    /// Counters of the writer, for metrics and tests.
    public struct Statistics: Sendable, Equatable {
        public var eventsWritten = 0
        public var compressedBytesWritten = 0
        public var uncompressedBytesWritten = 0
        public var eventsDropped = 0
        public var batches = 0
        public var writeErrors = 0

        public init() {}
    }

    /// Where the writer is in its node's trace: the segment and the compressed offset of the current member.
    public struct Position: Sendable, Equatable {
        public var segment: Int
        public var memberOffset: Int
    }

    /// Where the file is (the first segment this writer opened).
    public let path: String
    /// Rotate to the next segment past this many compressed bytes (nil: one file, never rotated).
    public let segmentBytes: Int?
    /// End the gzip member and start a new one past this many uncompressed bytes (nil: one member).
    public let memberBytes: Int?
    /// Called on the writer thread after each batch reached the file, with the batch and the position.
    private let onBatch: (@Sendable ([TraceEvent], Position) -> Void)?
    private let rotation: (node: String, directory: String)?
    // Owned by the writer thread (and `init`).
    private var segment: Int
    private var fileBytes = 0
    private var memberStart = 0
    private var memberUncompressed = 0
    /// Queued events beyond this are dropped (and counted) rather than growing memory without bound.
    public let maximumQueuedEvents: Int
    /// How long the writer waits for more events before writing a batch.
    public let batchInterval: Duration

    private var fileDescriptor: Int32
    private let compressor: GzipCompressor
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [TraceEvent] = []
    private var appended = 0
    private var persisted = 0
    private var closing = false
    private var closed = false
    private var flushRequested = false
    /// The writer sleeps until an event is queued (nothing was).
    private var sleeping = false
    private var stats = Statistics()
    private var thread: Thread?

    /// Opens (appending, as a new gzip member) or creates the file, making its directory if needed.
    /// - Parameters:
    ///   - segmentBytes: rotate to `<node>.<n+1>.jsonl.gz` past this size (the path must be a segment's).
    ///   - compression: zlib's settings for the file (`TraceFileSettings.compression` in a recorder's writer).
    ///   - memberBytes: start a new gzip member past this many uncompressed bytes.
    ///   - onBatch: told (on the writer thread) about every batch written and where the writer is.
    public init(
        path: String, compression: TraceCompression = .standard, maximumQueuedEvents: Int = 1_000_000,
        batchInterval: Duration = .milliseconds(5), segmentBytes: Int? = nil, memberBytes: Int? = nil,
        onBatch: (@Sendable ([TraceEvent], Position) -> Void)? = nil
    ) throws {
        self.path = path
        self.maximumQueuedEvents = maximumQueuedEvents
        self.batchInterval = batchInterval
        self.segmentBytes = segmentBytes.map { max(1024, $0) }
        self.memberBytes = memberBytes.map { max(1024, $0) }
        self.onBatch = onBatch
        let directory = (path as NSString).deletingLastPathComponent
        let parsed = TraceSegments.parse(fileName: (path as NSString).lastPathComponent)
        segment = parsed?.segment ?? 0
        rotation = parsed.map { ($0.node, directory) }
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        fileDescriptor = try Self.open(path)
        fileBytes = max(0, Int(lseek(fileDescriptor, 0, SEEK_END)))
        memberStart = fileBytes
        compressor = try GzipCompressor(compression)
        // The thread holds the writer until `close()` lets it finish.
        let thread = Thread { self.run() }
        thread.name = "trace-writer"
        self.thread = thread
        thread.start()
    }

    private static func open(_ path: String) throws -> Int32 {
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw TraceReadError.cannotOpen(path, errno) }
        return descriptor
    }

    /// The position before the first batch (the member the next batch starts).
    public var startPosition: Position { Position(segment: segment, memberOffset: memberStart) }

    /// Queues `event` for writing. Never waits for disk I/O.
    /// (`consuming`: a caller's last use moves the event into the queue instead of copying it and destroying its copy.)
    public func append(_ event: consuming TraceEvent) {
        condition.lock()
        if closing || queue.count >= maximumQueuedEvents {
            stats.eventsDropped += 1
        } else {
            queue.append(event)
            appended += 1
            // The first event after an idle spell wakes the writer; the others ride on its batch.
            if sleeping && queue.count == 1 { condition.broadcast() }
        }
        condition.unlock()
    }

    /// Waits until every event queued so far has been written to the file.
    public func flush() {
        condition.lock()
        let target = appended
        flushRequested = true
        condition.broadcast()
        while persisted < target && !closed {
            condition.wait()
        }
        condition.unlock()
    }

    /// Writes what is queued, ends the gzip member and closes the file. Idempotent.
    public func close() {
        condition.lock()
        if closing {
            while !closed { condition.wait() }
            condition.unlock()
            return
        }
        closing = true
        condition.broadcast()
        while !closed { condition.wait() }
        condition.unlock()
    }

    /// A snapshot of the counters.
    public var statistics: Statistics {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    private func run() {
        let interval = Double(batchInterval.components.seconds) + Double(batchInterval.components.attoseconds) / 1e18
        var encoded: [UInt8] = []
        encoded.reserveCapacity(1 << 20)
        // The batch and the queue trade storage: the queue keeps the batch's emptied capacity instead of
        // allocating and growing a new array for every batch.
        var batch: [TraceEvent] = []
        while true {
            condition.lock()
            awaitBatch(interval: interval)
            flushRequested = false
            swap(&batch, &queue)
            let finishing = closing
            if batch.isEmpty && !finishing {
                condition.broadcast()
                condition.unlock()
                continue
            }
            condition.unlock()

            var (compressed, ok) = encodeAndDeflate(&batch, through: &encoded, finishing: finishing)
            fileBytes += compressed
            memberUncompressed += encoded.count
            if !finishing { ok = endMemberIfDue() && ok }
            if finishing { memberStart = fileBytes }
            onBatch?(batch, Position(segment: segment, memberOffset: memberStart))
            let count = batch.count
            // The events are released here, outside the lock; a burst's large storage is not kept.
            if batch.capacity > Self.keptBatchCapacity { batch = [] } else { batch.removeAll(keepingCapacity: true) }

            condition.lock()
            persisted += count
            stats.batches += 1
            stats.eventsWritten += count
            stats.uncompressedBytesWritten += encoded.count
            stats.compressedBytesWritten += compressed
            if !ok { stats.writeErrors += 1 }
            if finishing {
                Foundation.close(fileDescriptor)
                closed = true
            }
            condition.broadcast()
            condition.unlock()
            if finishing { return }
        }
    }

    /// Encodes `batch` into `encoded` (emptied first), deflates it and writes it straight from the compressor's
    /// buffer. Returns the compressed byte count and whether every write succeeded.
    private func encodeAndDeflate(
        _ batch: inout [TraceEvent], through encoded: inout [UInt8], finishing: Bool
    ) -> (compressed: Int, ok: Bool) {
        encoded.removeAll(keepingCapacity: true)
        // Each event is moved out of the batch for its line and moved back (bit copies). Read in place, through the
        // array or a buffer pointer, each was copied (every reference retained) and the copy destroyed.
        batch.withUnsafeMutableBufferPointer { events in
            guard let start = events.baseAddress else { return }
            for index in 0..<events.count {
                let event = (start + index).move()
                TraceEventEncoder.appendLine(event, to: &encoded)
                (start + index).initialize(to: consume event)
            }
        }
        var ok = true
        var compressed = 0
        encoded.withUnsafeBytes { bytes in
            compressor.compress(bytes, finish: finishing) { piece in
                ok = writeFully(piece) && ok
                compressed += piece.count
            }
        }
        return (compressed, ok)
    }

    /// Batch storage beyond this many events is freed after the batch rather than kept for the next one.
    static let keptBatchCapacity = 1 << 16

    /// With the lock held: sleeps while nothing is queued, then lets the batch gather for one interval (returns early
    /// for a flush or the close).
    private func awaitBatch(interval: Double) {
        while !closing && !flushRequested {
            if queue.isEmpty {
                sleeping = true
                condition.wait()
                sleeping = false
                continue
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: interval))
            return
        }
    }

    /// Ends the gzip member past `memberBytes`, and moves to the next segment past `segmentBytes`.
    private func endMemberIfDue() -> Bool {
        let rotate = segmentBytes.map { fileBytes >= $0 } ?? false
        guard rotate || memberBytes.map({ memberUncompressed >= $0 }) ?? false else { return true }
        var ok = true
        compressor.compress(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) { trailer in
            ok = writeFully(trailer) && ok
            fileBytes += trailer.count
        }
        compressor.reset()
        memberUncompressed = 0
        if rotate, let rotation {
            let next = TraceSegments.path(node: rotation.node, segment: segment + 1, directory: rotation.directory)
            if let descriptor = try? Self.open(next) {
                Foundation.close(fileDescriptor)
                fileDescriptor = descriptor
                segment += 1
                fileBytes = max(0, Int(lseek(descriptor, 0, SEEK_END)))
            } else {
                ok = false
            }
        }
        memberStart = fileBytes
        return ok
    }

    private func writeFully(_ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        var offset = 0
        while offset < buffer.count {
            let written = write(fileDescriptor, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
