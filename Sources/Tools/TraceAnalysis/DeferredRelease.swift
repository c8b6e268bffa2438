import Dispatch

/// Keeps each event the checks saw alive for at least `chunk` more events, then lets a background queue drop the
/// last references: an event the checks held for a moment (a send until its receive, a request until its reply)
/// is then freed off the merging thread, which is the one serial stage of a check (freeing an event and its
/// payloads costs about as much as checking it).
///
/// Holds at most `2 × chunk` events; `flush` hands over the rest.
final class DeferredRelease {
    /// A batch of events handed to the queue (a class, so that the queue's thread releases the array's storage).
    private final class Batch: @unchecked Sendable {
        // `@unchecked Sendable` is sound: the merging thread gives the batch up when it hands it over; only the
        // queue touches it afterwards.
        var events: [RunEvent]

        init(_ events: [RunEvent]) { self.events = events }
    }

    private static let queue = DispatchQueue(label: "trace-analysis.deferred-release", qos: .utility)
    private let chunk: Int
    private var current: [RunEvent] = []
    private var previous: [RunEvent] = []

    init(chunk: Int = 1_024) {
        self.chunk = chunk
        current.reserveCapacity(chunk)
    }

    func keep(_ event: RunEvent) {
        current.append(event)
        guard current.count >= chunk else { return }
        let batch = Batch(previous)
        previous = current
        current = []
        current.reserveCapacity(chunk)
        Self.queue.async { batch.events.removeAll() }
    }

    /// Hands every event kept to the queue.
    func flush() {
        let batch = Batch(previous + current)
        previous = []
        current = []
        Self.queue.async { batch.events.removeAll() }
    }
}
