import Checkout
import ClusterProtocol
import Election
import ExecutorCore
import OrderQueueCore
import QueueStore
import TraceModel

/// The simulated Order Queue: the pure `LeasedOrderQueue` the real `QueueService` runs, with a durable record log
/// kept in memory as bytes: every change is journaled, encoded and framed exactly as `QueueStore` writes its log
/// (`Framing.append`: length, CRC-32, `RecordCodec` payload) before the answer leaves. A restart scans those bytes
/// (`Framing.scan`, which stops at a torn or damaged frame) and replays the decoded records through the reducer
/// `QueueStore` replays (`LeasedOrderQueue.apply`), then revokes the leases of the old process. Trace events have the
/// real queue's kinds and fields.
struct SimQueue {
    typealias Record = (EventKind, [String: TraceValue], String?)

    /// A trace record from a typed payload, in the trace of `order` (nil: none).
    static func record(_ payload: some TraceEventPayload, order: String? = nil) -> Record {
        (type(of: payload).kind, payload.encoded(), order)
    }

    private(set) var state: LeasedOrderQueue
    /// The durable log (what survives a crash): framed records, as `QueueStore` writes them to its file.
    private(set) var log: [UInt8] = []
    /// Where each record of `log` ends (to cut whole records off its tail for `queueLosesLogTail`).
    private var recordEnds: [Int] = []
    let bug: InjectedBug

    init(leaseDuration: UInt64, bug: InjectedBug) {
        state = LeasedOrderQueue(leaseDuration: leaseDuration, journaling: true)
        self.bug = bug
    }

    /// A restart: the state is rebuilt from the log, leases of the old process are revoked (durably).
    /// Returns the `queue.recovered` event. `lostTail` records of the log are lost first (an injected bug).
    mutating func restart(lostTail: Int) -> Record {
        if lostTail > 0, !recordEnds.isEmpty {
            let kept = max(0, recordEnds.count - lostTail)
            log.removeLast(log.count - (kept == 0 ? 0 : recordEnds[kept - 1]))
            recordEnds.removeLast(recordEnds.count - kept)
        }
        var queue = LeasedOrderQueue(leaseDuration: state.leaseDuration, journaling: true)
        var commits: [String] = []
        let scan = Framing.scan(log) { record in
            queue.apply(record)
            if case .committed(let commit) = record { commits.append(commit.orderId) }
        }
        assert(scan.damage == nil && scan.validEnd == log.count, "the simulated log is written whole")
        let revoked = queue.revokeAllLeases()
        state = queue
        append(state.takeJournal())
        let waiting = state.waiting.snapshot().map(\.orderId)
        return Self.record(
            QueueRecovered(
                records: scan.records, waiting: waiting.count, committed: state.commits.count, revoked: revoked.count,
                highestEpoch: state.highestEpoch, replayMs: 0, damaged: scan.damage == nil ? 0 : 1, orders: waiting,
                recentCommits: Array(commits.suffix(256))))
    }

    /// Encodes and frames `records` onto the log.
    private mutating func append(_ records: [QueueRecord]) {
        for record in records {
            Framing.append(record, to: &log)
            recordEnds.append(log.count)
        }
    }

    /// Makes the records of the last operation durable.
    private mutating func sync() {
        append(state.takeJournal())
        assert(state.leases.values.allSatisfy { !state.waiting.contains(orderId: $0.lease.orderId) })
        assert(state.leases.keys.allSatisfy { state.commits[$0] == nil })
    }

    /// The epoch a request is judged by (the fencing bug takes every epoch as current).
    private func judged(_ epoch: Epoch) -> Epoch {
        bug == .queueIgnoresFencing ? max(epoch, state.highestEpoch) : epoch
    }

    mutating func enqueue(_ ticket: OrderTicket, priority: OrderPriority, now: UInt64, records: inout [Record]) -> Bool
    {
        let outcome = state.enqueue(ticket: ticket, priority: priority, nowNanos: Int64(clamping: now))
        sync()
        records.append(
            Self.record(
                QueueEnqueue(
                    order: ticket.orderId, priority: "\(priority)", depth: state.depth, duplicate: outcome.isDuplicate),
                order: ticket.orderId))
        return !outcome.isDuplicate
    }

    mutating func lease(_ params: LeaseRequest, now: UInt64, records: inout [Record]) -> LeaseAnswer {
        let (outcome, events) = state.dequeue(
            executor: params.executor, epoch: judged(params.epoch), slot: params.slot, now: now)
        sync()
        records += events.map(Self.record)
        return answer(outcome, params, more: [], now: now, records: &records)
    }

    /// A dequeue's answer (the first lease, `more` a batch lease's others), each lease recorded `queue.lease`.
    private func answer(
        _ outcome: LeasedOrderQueue.DequeueOutcome, _ params: LeaseRequest, more: [LeasedOrder], now: UInt64,
        records: inout [Record]
    ) -> LeaseAnswer {
        switch outcome {
        case .leased(let lease, let order, let renewed):
            let leases = [lease] + more.map(\.lease)
            for (index, lease) in leases.enumerated() {
                records.append(
                    Self.record(
                        QueueLease(
                            order: lease.orderId, executor: lease.executor, epoch: lease.epoch, lease: lease.id,
                            delivery: lease.delivery, slot: lease.slot,
                            expiresInMs: Int64(clamping: (lease.deadlineNanos &- now) / 1_000_000), renewed: renewed,
                            depth: state.depth + leases.count - index - 1)))
            }
            return .leased(lease, order, depth: state.depth)
        case .empty:
            return .empty
        case .fenced(let current):
            records.append(Self.fenced("lease", params.executor, params.epoch, current))
            return .fenced(by: current)
        }
    }

    /// An ack of one order or of a slot's batch (`more`); with `next` (a queue that leases with acks), the slot's
    /// next lease (a batch of up to `next.batch`) unless an ack was fenced.
    mutating func ack(_ params: AckRequest, now: UInt64, records: inout [Record]) -> SimAck {
        let items = [AckItem(orderId: params.orderId, leaseId: params.leaseId)] + (params.more ?? [])
        var answers: [AckAnswer] = []
        for item in items {
            let (outcome, events) = state.ack(
                orderId: item.orderId, executor: params.executor, epoch: judged(params.epoch), leaseID: item.leaseId,
                now: now)
            sync()
            records += events.map(Self.record)
            let answer: AckAnswer
            switch outcome {
            case .committed: answer = AckAnswer(outcome: .committed)
            case .alreadyCommitted(let commit):
                answer = AckAnswer(outcome: .alreadyCommitted, committedLease: commit.leaseID)
            case .fenced(let current): answer = AckAnswer(outcome: .fenced, fencedBy: current)
            case .noLease: answer = AckAnswer(outcome: .noLease)
            }
            let ack = QueueAck(
                order: item.orderId, executor: params.executor, epoch: params.epoch, lease: item.leaseId,
                outcome: answer.outcome.rawValue)
            records.append(
                answer.outcome == .committed
                    ? Self.record(QueueCommit(ack), order: item.orderId)
                    : Self.record(QueueAckRefused(ack), order: item.orderId))
            answers.append(answer)
        }
        var result = SimAck(answer: answers[0], more: params.more == nil ? [] : Array(answers.dropFirst()))
        guard let next = params.next, !answers.contains(where: { $0.outcome == .fenced }) else { return result }
        let (first, more, events) = state.dequeue(
            executor: next.executor, epoch: judged(next.epoch), slot: next.slot, count: next.batch ?? 1, now: now)
        sync()
        records += events.map(Self.record)
        result.next = answer(first, next, more: more, now: now, records: &records)
        result.nextMore = more
        return result
    }

    mutating func release(_ params: AckRequest, now: UInt64, records: inout [Record]) -> AckAnswer {
        let (outcome, events) = state.release(
            orderId: params.orderId, executor: params.executor, epoch: judged(params.epoch), leaseID: params.leaseId,
            now: now)
        sync()
        records += events.map(Self.record)
        switch outcome {
        case .released(let lease):
            records.append(Self.record(QueueLeaseReleased(Self.leaseEnd(lease)), order: params.orderId))
            return AckAnswer(outcome: .released)
        case .fenced(let current):
            records.append(Self.fenced("release", params.executor, params.epoch, current))
            return AckAnswer(outcome: .fenced, fencedBy: current)
        case .noLease:
            return AckAnswer(outcome: .noLease)
        }
    }

    private static func fenced(_ operation: String, _ executor: Int, _ epoch: Epoch, _ current: Epoch) -> Record {
        record(QueueFenced(operation: operation, executor: executor, epoch: epoch, current: current))
    }

    private static func leaseEnd(_ lease: Lease) -> LeaseEnd {
        LeaseEnd(order: lease.orderId, executor: lease.executor, epoch: lease.epoch, lease: lease.id)
    }

    private static func record(_ event: LeasedOrderQueue.Event) -> Record {
        switch event {
        case .expired(let lease): record(QueueLeaseExpired(leaseEnd(lease)))
        case .revoked(let lease, let epoch): record(QueueLeaseRevoked(leaseEnd(lease), by: epoch))
        }
    }
}
