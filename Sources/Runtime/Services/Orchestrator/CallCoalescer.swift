import Dispatch
import TraceFormat

/// Gathers the calls that threads make at the same time into shared batches, the way a log's group commit gathers
/// appends: a caller whose call finds a free sending slot sends at once (alone, when nobody else waits: no added
/// latency on an idle service); calls that arrive while every slot is busy wait, and the next free slot sends all
/// of them (up to `maxItems`) in one batch. The batch sizes follow the load by themselves.
///
/// No thread of its own: the caller that takes a slot sends, on its own thread. When its batch is answered it
/// takes the next waiting batch and, unless its own call is in it, hands that batch to the thread of its oldest
/// call, which sends it; so every caller returns as soon as its own call is answered, and a slot is given back only
/// when nothing waits.
final class CallCoalescer<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Most calls in one batch.
    let maxItems: Int
    /// Most batches in flight at once.
    let maxInFlight: Int
    /// Sends one batch; returns exactly one outcome per item, in the items' order.
    private let send: @Sendable ([Item]) -> [Outcome]
    /// A plain mutex (`LockedState`): taken by every call on every connection's thread.
    private let state = LockedState(State())

    private struct State {
        var waiting: [Call] = []
        var inFlight = 0
    }

    /// One caller's call. `outcome` and `assigned` are written under the lock before the owner's semaphore is
    /// signalled, and read by the owner after it (the semaphore orders them).
    private final class Call: @unchecked Sendable {
        let item: Item
        var outcome: Outcome?
        /// A batch (this call first) that this call's thread is to send.
        var assigned: [Call]?
        let wake = DispatchSemaphore(value: 0)

        init(_ item: Item) {
            self.item = item
        }
    }

    init(maxItems: Int, maxInFlight: Int, send: @escaping @Sendable ([Item]) -> [Outcome]) {
        self.maxItems = max(1, maxItems)
        self.maxInFlight = max(1, maxInFlight)
        self.send = send
    }

    /// Calls waiting for a slot (for tests and metrics).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Makes `item`'s call, in a batch with whatever other calls wait with it; blocks until it is answered.
    func call(_ item: Item) -> Outcome {
        let own = Call(item)
        var batch = state.withLock { state -> [Call]? in
            state.waiting.append(own)
            guard state.inFlight < maxInFlight else { return nil }
            state.inFlight += 1
            return Self.take(&state.waiting, max: maxItems)
        }
        while true {
            if let taken = batch {
                let passed = sendAndPassOn(taken, own: own)
                if passed.ownAnswered { break }
                batch = passed.next
                if batch != nil { continue }
            }
            // Woken once for each of: a batch to send (this call first in it), or this call answered.
            own.wake.wait()
            guard let assigned = own.assigned else { break }
            own.assigned = nil
            batch = assigned
        }
        return own.outcome!
    }

    /// Sends `batch`, gives each call its outcome and passes the slot on: returns the next batch when `own` is
    /// first in line; hands the next batch to its first call's thread otherwise; frees the slot when nothing waits.
    /// `ownAnswered` is read under the lock: `own` may be in a batch another thread sent meanwhile.
    private func sendAndPassOn(_ batch: [Call], own: Call) -> (next: [Call]?, ownAnswered: Bool) {
        let outcomes = send(batch.map(\.item))
        var next: [Call]?
        var handedTo: Call?
        let ownAnswered = state.withLock { state -> Bool in
            for (call, outcome) in zip(batch, outcomes) { call.outcome = outcome }
            if state.waiting.isEmpty {
                state.inFlight -= 1
            } else {
                let taken = Self.take(&state.waiting, max: maxItems)
                if taken[0] === own {
                    next = taken
                } else {
                    taken[0].assigned = taken
                    handedTo = taken[0]
                }
            }
            return own.outcome != nil
        }
        for call in batch where call !== own { call.wake.signal() }
        handedTo?.wake.signal()
        return (next, ownAnswered)
    }

    /// The oldest `max` waiting calls.
    private static func take(_ waiting: inout [Call], max: Int) -> [Call] {
        let count = min(max, waiting.count)
        let taken = Array(waiting.prefix(count))
        waiting.removeFirst(count)
        return taken
    }
}
