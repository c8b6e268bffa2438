import Election

/// The reducer: how each `QueueRecord` changes the queue. Operations and log replay both go through it, so the
/// state a log rebuilds is the state its writer had. It is total: a record that does not fit the state (which a
/// valid log never holds) changes nothing and `apply` returns false.
extension LeasedOrderQueue {
    /// Applies one record; false when it did not fit the state and was ignored.
    @discardableResult
    public mutating func apply(_ record: QueueRecord) -> Bool {
        switch record {
        case .enqueued(let order):
            let id = order.orderId
            guard commits[id] == nil, leases[id] == nil, !waiting.contains(orderId: id) else { return false }
            return waiting.requeue(order)
        case .leased(let lease):
            guard let order = waiting.remove(orderId: lease.orderId) else { return false }
            leases[lease.orderId] = (lease, order)
            deliveries[lease.orderId] = lease.delivery
            if lease.id >= nextLeaseID { nextLeaseID = lease.id == .max ? .max : lease.id + 1 }
            return true
        case .committed(let commit):
            let id = commit.orderId
            guard commits[id] == nil else { return false }
            if leases.removeValue(forKey: id) == nil { _ = waiting.remove(orderId: id) }
            commits[id] = commit
            deliveries[id] = nil
            return true
        case .returned(let orderId, let leaseID, _):
            guard let held = leases[orderId], held.lease.id == leaseID else { return false }
            leases[orderId] = nil
            waiting.requeue(held.order)
            return true
        case .epoch(let epoch):
            if epoch > highestEpoch { highestEpoch = epoch }
            return true
        case .counters(let nextSequence, let nextLeaseID):
            waiting.raiseNextSequence(to: nextSequence)
            self.nextLeaseID = max(self.nextLeaseID, nextLeaseID)
            return true
        case .deliveries(let orderId, let count):
            deliveries[orderId] = count
            return true
        }
    }

    /// Records that rebuild this state on an empty queue (a snapshot): counters, epoch, waiting orders with their
    /// delivery counts, leased orders with their leases, commits.
    public func snapshotRecords() -> [QueueRecord] {
        var records: [QueueRecord] = [
            .counters(nextSequence: waiting.nextSequence, nextLeaseID: nextLeaseID), .epoch(highestEpoch),
        ]
        records.reserveCapacity(waiting.count + 2 * leases.count + commits.count + 2)
        for order in waiting.unordered {
            records.append(.enqueued(order))
            if let count = deliveries[order.orderId], count > 0 {
                records.append(.deliveries(orderId: order.orderId, count: count))
            }
        }
        for held in leases.values.sorted(by: { $0.lease.id < $1.lease.id }) {
            records.append(.enqueued(held.order))
            records.append(.leased(held.lease))
        }
        for commit in commits.values { records.append(.committed(commit)) }
        return records
    }

    /// The state, without times, in a canonical order (for comparing a recovered queue with its model).
    public var image: QueueImage {
        QueueImage(
            waiting: waiting.snapshot(),
            leases: leases.values.map(\.lease).sorted { $0.id < $1.id }.map {
                .init(
                    id: $0.id, orderId: $0.orderId, executor: $0.executor, epoch: $0.epoch, slot: $0.slot,
                    delivery: $0.delivery)
            },
            commits: commits.values.sorted { $0.orderId < $1.orderId }, highestEpoch: highestEpoch,
            nextSequence: waiting.nextSequence, nextLeaseID: nextLeaseID,
            deliveries: deliveries.filter { $0.value > 0 })
    }
}

extension LeasedOrderQueue {
    /// True when `orderId` waits, is leased or was committed.
    public func knows(orderId: String) -> Bool {
        commits[orderId] != nil || leases[orderId] != nil || waiting.contains(orderId: orderId)
    }

    /// True when the orders of `orderIds` that the queue does not know yet all fit under `maxWaiting`: an enqueue (or
    /// a batch of them, admitted whole or refused whole) is refused only for new orders; a known order (a duplicate)
    /// is always answered.
    public func admits(_ orderIds: some Sequence<String>, maxWaiting: Int) -> Bool {
        var fresh = Set<String>()
        for orderId in orderIds where !knows(orderId: orderId) { fresh.insert(orderId) }
        return fresh.isEmpty || depth + fresh.count <= maxWaiting
    }
}
