import Synchronization

/// The load generator's shared counters: the next order index, the finished count, and each thread's own counts
/// (kept by the thread without locks and handed over once at its end).
final class LoadTally: Sendable {
    /// One thread's counts.
    struct Counts {
        var timing = LatencyAccounting()
        var outcomes: [String: Int] = [:]
        var sent: [String: Int] = [:]
        var unexpected = 0
        var approved: [String] = []
        var retries = 0
        var retriedOrders = 0
        var gaveUp = 0

        /// Counts one order of `kind` that ended as `sent` says.
        mutating func count(kind: OrderMix.Kind, sent result: CheckoutRetry.Sent) {
            sent[kind.rawValue, default: 0] += 1
            outcomes[result.outcome, default: 0] += 1
            retries += result.retries
            if result.retries > 0 { retriedOrders += 1 }
            if result.gaveUp { gaveUp += 1 }
            if result.outcome == "approved", let id = result.orderID { approved.append(id) }
            if (kind == .valid) != (result.outcome == "approved") { unexpected += 1 }
        }

        mutating func merge(_ item: Counts) {
            timing.merge(item.timing)
            outcomes.merge(item.outcomes, uniquingKeysWith: +)
            sent.merge(item.sent, uniquingKeysWith: +)
            unexpected += item.unexpected
            approved += item.approved
            retries += item.retries
            retriedOrders += item.retriedOrders
            gaveUp += item.gaveUp
        }
    }

    /// Hands out order indices 0, 1, 2, … up to a limit, once each.
    final class NextIndex: Sendable {
        private let next = Mutex(0)
        func take(limit: Int) -> Int? {
            next.withLock { next in
                guard next < limit else { return nil }
                defer { next += 1 }
                return next
            }
        }
    }

    private struct Slots {
        var finished = 0
        var counts: [Counts?]
    }

    private let slots: Mutex<Slots>

    init(threads: Int) {
        slots = Mutex(Slots(counts: Array(repeating: nil, count: threads)))
    }

    /// Counts one finished order; returns how many have finished.
    func finishOne() -> Int {
        slots.withLock { slots in
            slots.finished += 1
            return slots.finished
        }
    }

    func store(thread: Int, counts: Counts) {
        slots.withLock { $0.counts[thread] = counts }
    }

    /// Every thread's counts together.
    func merged() -> Counts {
        let all = slots.withLock { $0.counts }
        var total = Counts()
        for item in all.compactMap({ $0 }) { total.merge(item) }
        return total
    }
}
