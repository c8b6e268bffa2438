import Foundation

/// A bounded hand-over of event batches from one reader thread to the merging thread.
///
/// `@unchecked Sendable` is sound: every stored `var` is read and written only between `condition.lock()` and
/// `condition.unlock()`; a condition variable (waiting while full / empty) is what `Mutex` does not offer.
final class EventChannel: @unchecked Sendable {
    static let batchSize = 256
    private static let capacity = 3
    private let condition = NSCondition()
    private var queue: [EventBatch] = []
    private var spents: [EventBatch] = []
    private var closed = false
    private var cancelled = false
    /// Whether the producer waits for room / the consumer for a batch: a side signals the other only then.
    private var producerWaits = false
    private var consumerWaits = false

    /// Blocks while full. Returns false when the consumer went away.
    func put(_ batch: EventBatch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.capacity && !cancelled {
            producerWaits = true
            condition.wait()
        }
        producerWaits = false
        guard !cancelled else { return false }
        queue.append(batch)
        if consumerWaits { condition.broadcast() }
        return true
    }

    /// The next batch, or nil at the end of the file. `spent`, a batch the consumer is done with, goes back to the
    /// producer (`spentBatch`), so that its events are released on the producer's thread and its storage reused.
    func take(returning spent: EventBatch = EventBatch()) -> EventBatch? {
        condition.lock()
        defer { condition.unlock() }
        if spent.capacity > 0 && !closed && spents.count < Self.capacity + 1 { spents.append(spent) }
        while queue.isEmpty && !closed {
            consumerWaits = true
            condition.wait()
        }
        consumerWaits = false
        guard !queue.isEmpty else { return nil }
        let batch = queue.removeFirst()
        if producerWaits { condition.broadcast() }
        return batch
    }

    /// A batch the consumer is done with, if any (see `take(returning:)`).
    func spentBatch() -> EventBatch? {
        condition.lock()
        defer { condition.unlock() }
        return spents.popLast()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    func waitClosed() {
        condition.lock()
        while !closed { condition.wait() }
        condition.unlock()
    }
}
