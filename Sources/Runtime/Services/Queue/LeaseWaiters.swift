import ClusterProtocol
import Dispatch
import Election
import RPC
import TraceFormat

/// The lease requests the queue holds (long polls), each parked on its own semaphore on the server thread that
/// serves it, and what wakes them. Holds no queue state: a woken request asks the pure queue again, under its lock
/// and through the write-ahead log, so the queue's own rules (fencing included) decide what it gets.
///
/// Wake-ups: after every change of the queue (`changed`), as many of the oldest held requests as orders wait, and
/// every request of an epoch older than the highest the queue has seen (it will be refused `fenced`); a newer
/// request of the same executor and slot replaces a held one (answered at once); `stop` answers them all. A lost
/// wake-up is ruled out by a generation count: a request that found nothing registers only if no change that could
/// interest it happened since it looked (`ticket`), else it looks again.
///
/// Grants: an enqueue may lease its new order to held requests itself (`grant`, under the queue's lock, in the same
/// log batch as the order), so a held request need not look again and log its lease in a batch of its own. A granted
/// request is no longer held; `deliver` wakes it once the batch is durable (or the log failed).
final class LeaseWaiters: Sendable {
    /// Why a held request stopped waiting.
    enum Wake: Sendable, Equatable {
        /// Orders may wait, or the epoch moved on: ask the queue again.
        case retry
        /// The wait (or the earliest lease deadline) passed: ask the queue once more.
        case timeout
        /// A newer request of the same executor and slot took its place: answer `empty` at once.
        case superseded
        /// The queue is stopping: answer `empty` at once.
        case stopping
        /// An enqueue answered the request (`grant`). `durable`: the grant's records are on disk, answer at once;
        /// otherwise wait until the log holds them before answering (a look at the queue through the log does).
        case granted(LeaseReply, durable: Bool)
    }

    /// The outcome of `hold`.
    enum Hold: Sendable {
        /// Parked: call `wait` with it.
        case held(Waiter)
        /// Something changed since the ticket: look again at once.
        case changed
        /// The bound on held requests is reached: answer at once.
        case full
        /// The queue is stopping: answer at once.
        case stopping
    }

    /// One held request.
    struct Waiter: Sendable {
        let id: UInt64
        let executor: Int
        let slot: Int
        let epoch: Epoch
        /// The held request's context: a grant records its trace events there.
        let context: RequestContext
        let semaphore: DispatchSemaphore
    }

    private struct State {
        var generation: UInt64 = 0
        var highestEpoch: Epoch = .none
        /// Held requests, oldest first.
        var waiting: [Waiter] = []
        /// Why a woken request was woken (until it reads it).
        var woken: [UInt64: Wake] = [:]
        var nextID: UInt64 = 1
        var stopping = false
    }

    /// Held requests at most; beyond, a request is answered at once.
    let limit: Int
    /// A plain mutex (`LockedState`): every lease call takes it.
    private let state = LockedState(State())

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Requests held now.
    var count: Int { state.withLock { $0.waiting.count } }

    /// Taken before looking at the queue: `hold` refuses to park a request if a change came after it.
    func ticket() -> UInt64 { state.withLock { $0.generation } }

    /// Parks a request of `executor`'s `slot` under `epoch` that found nothing after taking `ticket`. A held
    /// request of the same executor and slot is woken `superseded`.
    func hold(executor: Int, slot: Int, epoch: Epoch, context: RequestContext, ticket: UInt64) -> Hold {
        state.withLock { state in
            if state.stopping { return .stopping }
            if state.generation != ticket { return .changed }
            if let older = state.waiting.firstIndex(where: { $0.executor == executor && $0.slot == slot }) {
                Self.wake(at: older, .superseded, &state)
            }
            guard state.waiting.count < limit else { return .full }
            let waiter = Waiter(
                id: state.nextID, executor: executor, slot: slot, epoch: epoch, context: context,
                semaphore: DispatchSemaphore(value: 0))
            state.nextID &+= 1
            state.waiting.append(waiter)
            return .held(waiter)
        }
    }

    /// A request of `executor`'s `slot` that will not be held (no wait) replaces a held one: it is woken
    /// `superseded` (answered `empty` at once).
    func supersede(executor: Int, slot: Int) {
        state.withLock { state in
            if let older = state.waiting.firstIndex(where: { $0.executor == executor && $0.slot == slot }) {
                Self.wake(at: older, .superseded, &state)
            }
        }
    }

    /// Waits until `waiter` is woken or `nanos` pass; it is no longer held afterwards.
    func wait(_ waiter: Waiter, nanos: UInt64) -> Wake {
        let signalled = waiter.semaphore.wait(timeout: .now() + .nanoseconds(Int(clamping: nanos))) == .success
        return state.withLock { state in
            if let index = state.waiting.firstIndex(where: { $0.id == waiter.id }) { state.waiting.remove(at: index) }
            let wake = state.woken.removeValue(forKey: waiter.id)
            return signalled ? wake ?? .retry : wake ?? .timeout
        }
    }

    /// The queue changed: `depth` orders wait and `highestEpoch` is the newest epoch it has seen. Wakes up to `depth`
    /// of the oldest held requests and every held request of an older epoch.
    func changed(depth: Int, highestEpoch: Epoch) {
        state.withLock { state in
            let newerEpoch = highestEpoch > state.highestEpoch
            guard depth > 0 || newerEpoch else { return }
            state.generation &+= 1
            state.highestEpoch = max(state.highestEpoch, highestEpoch)
            var orders = depth
            var index = 0
            while index < state.waiting.count {
                if state.waiting[index].epoch < state.highestEpoch || orders > 0 {
                    if state.waiting[index].epoch >= state.highestEpoch { orders -= 1 }
                    Self.wake(at: index, .retry, &state)
                } else {
                    index += 1
                }
            }
        }
    }

    /// Offers every held request, oldest first, to `offer` (call it under the queue's lock). A request `offer`
    /// answers is no longer held; it is woken with its reply by `deliver`, which the caller must call with the
    /// returned requests once the grants are durable (or the log failed).
    func grant(_ offer: (Waiter) -> LeaseReply?) -> [Waiter] {
        state.withLock { state in
            var granted: [Waiter] = []
            var index = 0
            while index < state.waiting.count {
                guard let reply = offer(state.waiting[index]) else {
                    index += 1
                    continue
                }
                let waiter = state.waiting.remove(at: index)
                state.woken[waiter.id] = .granted(reply, durable: false)
                granted.append(waiter)
            }
            return granted
        }
    }

    /// Wakes the requests `grant` answered. `durable`: their grants are on disk and they answer at once; false
    /// (the log failed) makes each wait for the log itself, which refuses it.
    func deliver(_ granted: [Waiter], durable: Bool) {
        guard !granted.isEmpty else { return }
        if durable {
            state.withLock { state in
                for waiter in granted {
                    // A request whose wait ended meanwhile has read its grant already (and waits for the log).
                    if case .granted(let reply, _)? = state.woken[waiter.id] {
                        state.woken[waiter.id] = .granted(reply, durable: true)
                    }
                }
            }
        }
        for waiter in granted { waiter.semaphore.signal() }
    }

    /// The queue stops: every held request is answered at once, and none is held from now on.
    func stop() {
        state.withLock { state in
            state.stopping = true
            state.generation &+= 1
            while !state.waiting.isEmpty { Self.wake(at: 0, .stopping, &state) }
        }
    }

    /// Removes the waiter at `index` from the held ones and signals it with `reason`.
    private static func wake(at index: Int, _ reason: Wake, _ state: inout State) {
        let waiter = state.waiting.remove(at: index)
        state.woken[waiter.id] = reason
        waiter.semaphore.signal()
    }
}
