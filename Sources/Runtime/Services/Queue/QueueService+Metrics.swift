import Foundation

extension QueueService {
    /// The age of the oldest waiting order (0 when none waits), read when Prometheus scrapes: the alert on orders
    /// waiting too long (`dashboards/alerts.yml`) watches it. The age is the queue's wall clock minus the
    /// enqueuer's clock at first enqueue (clamped at 0, so a skewed enqueuer never makes it negative).
    public func waitingFamilies() -> [CollectedFamily] {
        let oldest = state.withLock { queue in queue.waiting.unordered.lazy.map(\.enqueuedAtNanos).min() }
        let age = oldest.map { max(0, (Double(wallClock()) - Double($0)) / 1e9) } ?? 0
        return [
            CollectedFamily(
                name: "bookstore_queue_oldest_waiting_seconds", kind: .gauge,
                help: "Seconds the oldest waiting order has waited since it was first enqueued (0 when none waits).",
                value: age)
        ]
    }
}
