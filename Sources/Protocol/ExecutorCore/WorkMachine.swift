import ClusterProtocol
import Election
import OrderQueueCore

/// The leader's work loop as a pure state machine: `slots` slots, each leasing an order from the queue, processing
/// it for `processingNanos` and acknowledging it with the leadership's epoch as the fencing token; idle polling;
/// and the clean stop (drain).
///
/// Inputs are leadership changes, call outcomes, fired timers and the drain request, each with the time; outputs
/// are `WorkDirective`s for the shell. No IO, clock reads or randomness: the real executor and the simulator run
/// the same code.
///
/// The rules (as the executor's loop always had them):
/// - While leading epoch `e`, every slot asks for a lease under `e`. A lease is processed, then acknowledged.
/// - Long polls (`longPollNanos` > 0): every lease request asks the queue to hold it up to `longPollNanos` while
///   nothing waits; the queue answers as soon as an order can be leased. An empty answer after at least half that
///   wait (the queue held it) is followed by slot 0's next request at once; the other slots park (no timer) until a
///   lease reply shows more orders waiting, so an idle leader costs one call per wait and a new order is taken as
///   soon as it is stored.
/// - Nothing to lease and the queue did not hold the request (no long polls, or the queue answered at once: an old
///   queue, its bound on held polls, its stop): slot 0 asks again after `pollNanos`; the others wait up to
///   `idlePolls` polls, or until a slot learns that more orders wait (a lease reply with depth > 0).
/// - An ack answered `already_committed` under the slot's own lease (a retried ack whose first copy committed)
///   counts as committed.
/// - With `ackCarriesLease`, an ack sent while leading the order's epoch (and not draining) carries the slot's next
///   lease request (no wait): the queue commits and leases in one call. The reply's lease part is handled as the
///   answer to a lease call sent with the ack; an empty one (or none: an older queue) is followed by an ordinary
///   lease request at once. A fenced ack ignores it.
/// - Batch leases (`leaseBatch` > 1): the lease an ack carries asks for up to `leaseBatch` orders; the slot processes
///   the orders of one reply together and acknowledges them in one call (`AckRequest.more`), each order with its
///   own answer and trace events. A plain lease call (a long poll) takes one order. A slot other than 0 whose
///   carried lease found nothing parks (below saturation slot 0 alone polls and takes what accumulates in batches;
///   a reply showing more orders waiting wakes the others).
/// - A failed lease call waits like an empty one.
/// - A failed ack is sent again after a backoff (`WorkSettings.ackAttempts`, `ackBackoff(after:)`) while the node
///   still leads the order's epoch and the lease may still be valid: the queue may have committed it and lost only
///   the reply, and answers the repeat `already_committed` with the slot's own lease. When the retries end, the slot
///   records `ackUnanswered` (with the cause) and leases again; an order the queue did not commit is delivered again
///   once its lease expires.
/// - A refusal naming a newer epoch ends the slot and is reported (`fenced`) for the election.
/// - Losing leadership abandons leases being processed (they expire or are revoked); an ack under way still
///   reports its outcome.
/// - Drain: no new leases (a lease that arrives is released), in-flight orders finish and are acknowledged within
///   `drainNanos`; whatever is still held then is released; `drained` ends it. A slot whose long poll the queue
///   holds asks again without a wait: the queue answers the held request at once (a newer request of the same slot
///   replaces it) and the new answer ends the slot (a lease it carries, the held one renewed or another, is given
///   back).
public struct WorkMachine: Sendable {
    public let executor: Int
    public let settings: WorkSettings
    /// The epoch this machine works under (nil when not leading).
    public private(set) var leading: Epoch?
    public internal(set) var slots: [WorkSlot]
    /// A clean stop began: no new leases.
    public private(set) var draining = false
    /// The clean stop ended (`drained` was emitted): inputs are ignored.
    public private(set) var stopped = false
    /// Orders this machine saw committed by the queue.
    public internal(set) var committed = 0
    private var nextCall: UInt64 = 1
    private var drainDeadlinePassed = false
    /// By slot: until when (this machine's clock) the lease of the order held may be valid at the queue.
    var leaseEnds: [Int: UInt64] = [:]
    /// By slot: when its pending lease call was sent, and whether it asked the queue to wait.
    var leaseSent: [Int: (at: UInt64, waits: Bool)] = [:]
    /// By slot: the epoch of the lease request its pending ack carries (`ackAndLease`).
    var ackLeases: [Int: Epoch] = [:]

    public init(executor: Int, settings: WorkSettings) {
        self.executor = executor
        self.settings = settings
        self.slots = Array(repeating: .off, count: max(1, settings.slots))
    }

    /// Slots inside their work loop (not `off`).
    public var activeSlots: Int { slots.filter { $0 != .off }.count }

    /// Orders being processed or acknowledged, by slot (a slot holds its batch lease's orders, in lease order).
    public var inFlight: [Int: [HeldOrder]] {
        var held: [Int: [HeldOrder]] = [:]
        for (slot, state) in slots.enumerated() {
            switch state {
            case .processing(let orders), .acking(let orders, _, _), .ackBackoff(let orders, _): held[slot] = orders
            default: break
            }
        }
        return held
    }

    // MARK: Inputs

    /// This node now leads `epoch`: every slot starts leasing under it.
    public mutating func onLeadershipGained(_ epoch: Epoch, now: UInt64) -> [WorkDirective] {
        var directives = onLeadershipLost(now: now)
        guard !draining, !stopped else { return directives }
        leading = epoch
        for slot in slots.indices where slots[slot] == .off { directives += lease(slot, now: now) }
        return directives
    }

    /// This node no longer leads: idle and processing slots stop (their leases are abandoned).
    public mutating func onLeadershipLost(now: UInt64) -> [WorkDirective] {
        guard !stopped else { return [] }
        leading = nil
        var directives: [WorkDirective] = []
        for slot in slots.indices {
            switch slots[slot] {
            case .ackBackoff(let held, let attempt):
                directives.append(.cancelTimer(.ackRetry(slot: slot)))
                directives += held.map { .record(.ackUnanswered($0, attempts: attempt, reason: .leadershipLost)) }
                slots[slot] = .off
            case .idle:
                directives.append(.cancelTimer(.idle(slot: slot)))
                slots[slot] = .off
            case .processing:
                directives.append(.cancelTimer(.processing(slot: slot)))
                slots[slot] = .off
            case .leasing:
                slots[slot] = .off
            case .off, .acking, .releasing:
                break
            }
        }
        return directives + drainProgress()
    }

    /// The queue answered a lease call; `more`: a batch lease's further orders (`LeaseRequest.batch`), all of the
    /// slot, processed together with the first.
    public mutating func onLeaseReply(
        _ call: WorkCall, _ answer: LeaseAnswer, more: [LeasedOrder] = [], now: UInt64
    ) -> [WorkDirective] {
        guard !stopped, case .leasing(let pending, let epoch) = slots[safe: call.slot], pending == call else {
            return []
        }
        let slot = call.slot
        switch answer {
        case .fenced(let newer):
            slots[slot] = .off
            return [.fenced(by: newer)] + drainProgress()
        case .empty:
            guard heldForItsWait(slot, now: now) else { return idle(slot, now: now) }
            return slot == 0 ? next(slot, now: now) : park(slot, now: now)
        case .leased(let lease, let order, let depth):
            let first = HeldOrder(lease: lease, order: order, epoch: epoch)
            let held = [first] + heldBatch(more, with: first, slot: slot)
            if draining { return release(slot, held) }
            guard leading == epoch else {
                slots[slot] = .off
                return next(slot, now: now)
            }
            var directives = depth > 0 ? wakeIdleSlots(now: now) : []
            slots[slot] = .processing(held)
            let duration = held.map { $0.lease.deadlineNanos &- min($0.lease.grantedAtNanos, $0.lease.deadlineNanos) }
            leaseEnds[slot] = now &+ (duration.min() ?? 0)
            directives += held.map { .record(.dequeued($0)) }
            directives.append(.setTimer(.processing(slot: slot), deadline: now &+ settings.processingNanos))
            assert(invariantsHold(), "work machine invariants")
            return directives
        }
    }

    /// A lease call failed (no answer): the slot waits like an idle one.
    public mutating func onLeaseFailed(_ call: WorkCall, now: UInt64) -> [WorkDirective] {
        guard !stopped, case .leasing(let pending, _) = slots[safe: call.slot], pending == call else { return [] }
        return idle(call.slot, now: now)
    }

    /// A timer set earlier fired.
    public mutating func onTimer(_ timer: WorkTimer, now: UInt64) -> [WorkDirective] {
        guard !stopped else { return [] }
        switch timer {
        case .idle(let slot):
            guard slots[safe: slot] == .idle else { return [] }
            slots[slot] = .off
            return next(slot, now: now)
        case .processing(let slot):
            guard case .processing(let held) = slots[safe: slot] else { return [] }
            return ack(slot, held, attempt: 1)
        case .ackRetry(let slot):
            guard case .ackBackoff(let held, let attempt) = slots[safe: slot] else { return [] }
            return ack(slot, held, attempt: attempt + 1)
        case .drainDeadline:
            guard draining, !drainDeadlinePassed else { return [] }
            drainDeadlinePassed = true
            var directives: [WorkDirective] = []
            for slot in slots.indices {
                switch slots[slot] {
                case .processing(let held):
                    directives.append(.cancelTimer(.processing(slot: slot)))
                    directives += release(slot, held)
                case .acking(let held, _, _):
                    directives += release(slot, held)
                case .ackBackoff(let held, let attempt):
                    directives.append(.cancelTimer(.ackRetry(slot: slot)))
                    directives += held.map { .record(.ackUnanswered($0, attempts: attempt, reason: .drainDeadline)) }
                    directives += release(slot, held)
                case .leasing, .idle:
                    slots[slot] = .off
                case .off, .releasing:
                    break
                }
            }
            return directives + drainProgress()
        }
    }

    /// A clean stop: no new leases; orders in flight finish within `drainNanos`, the rest are given back.
    public mutating func onDrain(now: UInt64) -> [WorkDirective] {
        guard !draining, !stopped else { return [] }
        draining = true
        var directives: [WorkDirective] = []
        for slot in slots.indices where slots[slot] == .idle {
            directives.append(.cancelTimer(.idle(slot: slot)))
            slots[slot] = .off
        }
        for slot in slots.indices {
            guard case .leasing(_, let epoch) = slots[slot], leaseSent[slot]?.waits == true else { continue }
            directives += lease(slot, epoch: epoch, wait: false, now: now)
        }
        if activeSlots > 0 {
            directives.append(.setTimer(.drainDeadline, deadline: now &+ settings.drainNanos))
        }
        return directives + drainProgress()
    }

    // MARK: Steps

    /// What a slot does after finishing a step: lease again while leading, else stop.
    mutating func next(_ slot: Int, now: UInt64) -> [WorkDirective] {
        guard leading != nil, !draining else {
            slots[slot] = .off
            return drainProgress()
        }
        return lease(slot, now: now)
    }

    private mutating func lease(_ slot: Int, now: UInt64) -> [WorkDirective] {
        guard let epoch = leading else { return [] }
        return lease(slot, epoch: epoch, wait: true, now: now)
    }

    /// A lease call for `slot` under `epoch`; with `wait`, a long poll (when the settings ask for them).
    private mutating func lease(_ slot: Int, epoch: Epoch, wait: Bool, now: UInt64) -> [WorkDirective] {
        let call = newCall(slot)
        slots[slot] = .leasing(call, epoch: epoch)
        let waitMs = wait ? settings.longPollMilliseconds : nil
        leaseSent[slot] = (now, waitMs != nil)
        return [.lease(call, LeaseRequest(executor: executor, epoch: epoch, slot: slot, waitMs: waitMs))]
    }

    /// True when the slot's pending lease call was a long poll the queue held for at least half its wait: an
    /// empty answer then means the queue had nothing for that long, and the slot asks again at once. An earlier
    /// empty answer (a queue that does not hold requests, or one at its bound or stopping) waits like an idle slot,
    /// so a queue that never holds is not asked in a busy loop.
    private func heldForItsWait(_ slot: Int, now: UInt64) -> Bool {
        guard let sent = leaseSent[slot], sent.waits, let ms = settings.longPollMilliseconds else { return false }
        return now >= sent.at && now - sent.at >= UInt64(ms) * 1_000_000 / 2
    }

    private mutating func idle(_ slot: Int, now: UInt64) -> [WorkDirective] {
        guard leading != nil, !draining else {
            slots[slot] = .off
            return drainProgress()
        }
        slots[slot] = .idle
        let polls = slot == 0 ? 1 : UInt64(max(1, settings.idlePolls))
        return [.setTimer(.idle(slot: slot), deadline: now &+ settings.pollNanos &* polls)]
    }

    /// A slot other than 0 whose long poll the queue held for its whole wait: nothing has come for that long, so
    /// only slot 0 keeps a poll open (an idle leader costs one call per wait, not one per slot). The parked slot has
    /// no timer: slot 0's next lease that shows more orders waiting wakes it (`wakeIdleSlots`).
    mutating func park(_ slot: Int, now: UInt64) -> [WorkDirective] {
        guard leading != nil, !draining else {
            slots[slot] = .off
            return drainProgress()
        }
        slots[slot] = .idle
        return []
    }

    /// More orders wait: idle slots other than 0 lease now.
    private mutating func wakeIdleSlots(now: UInt64) -> [WorkDirective] {
        var directives: [WorkDirective] = []
        for slot in slots.indices where slot > 0 && slots[slot] == .idle {
            directives.append(.cancelTimer(.idle(slot: slot)))
            directives += lease(slot, now: now)
        }
        return directives
    }

    /// The further orders of a batch lease this slot may hold: leases of this executor, epoch and slot naming their
    /// own order, not the first's, each once, at most `leaseBatch` - 1. Anything else in a reply is not taken: its
    /// lease expires at the queue, which delivers the order again.
    private func heldBatch(_ more: [LeasedOrder], with first: HeldOrder, slot: Int) -> [HeldOrder] {
        var taken: [HeldOrder] = []
        var seen: Set<String> = [first.order.orderId]
        for leased in more where taken.count < settings.leaseBatch - 1 {
            let lease = leased.lease
            guard lease.executor == executor, lease.epoch == first.epoch, lease.slot == slot,
                lease.orderId == leased.order.orderId, seen.insert(lease.orderId).inserted
            else { continue }
            taken.append(HeldOrder(lease: lease, order: leased.order, epoch: first.epoch))
        }
        return taken
    }

    /// While draining: once every slot is off, the stop is complete.
    mutating func drainProgress() -> [WorkDirective] {
        guard draining, !stopped, activeSlots == 0 else { return [] }
        stopped = true
        leading = nil
        return drainDeadlinePassed ? [.drained] : [.cancelTimer(.drainDeadline), .drained]
    }

    mutating func newCall(_ slot: Int) -> WorkCall {
        defer { nextCall &+= 1 }
        return WorkCall(id: nextCall, slot: slot)
    }

    /// Every held order is held under a lease of this executor for that order and slot, and only while leading or
    /// acknowledging; a stopped machine holds nothing.
    func invariantsHold() -> Bool {
        for (slot, orders) in inFlight {
            guard !orders.isEmpty else { return false }
            for held in orders {
                guard held.lease.executor == executor, held.lease.orderId == held.order.orderId,
                    held.lease.slot == slot
                else { return false }
            }
        }
        return !stopped || activeSlots == 0
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
