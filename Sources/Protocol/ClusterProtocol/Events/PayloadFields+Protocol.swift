import Election
import TraceModel

/// Fields of the protocol's payloads: epochs, executor ids, order ids, leases.
extension PayloadFields {
    /// An epoch, `term.leader` (`Epoch(validating:)`'s bounds, or `0.0`: the epoch before any leader).
    public func epoch(_ field: String) throws(PayloadError) -> Epoch? {
        guard let text = try string(field, maxBytes: 40) else { return nil }
        if text == Self.noEpochText { return Epoch.none }
        guard let epoch = Epoch(validating: text) else { throw error(field, .outOfRange) }
        return epoch
    }

    /// `Epoch.none`'s text, built once (not per decoded event).
    private static let noEpochText = Epoch.none.description

    /// An executor id (0 … 1024; 0 where the format means "none").
    public func executorID(_ field: String) throws(PayloadError) -> Int? {
        try integer(field, Int.self, in: 0...1024)
    }

    /// A required order id.
    public func order(_ field: String = "order") throws(PayloadError) -> String {
        try required(field) { key throws(PayloadError) in try string(key, maxBytes: 256) }
    }

    /// A lease id (non-negative).
    public func leaseID(_ field: String = "lease") throws(PayloadError) -> UInt64? {
        try integer(field, UInt64.self, in: 0...UInt64(Int64.max))
    }

    /// A count or size (non-negative).
    public func count(_ field: String) throws(PayloadError) -> Int? {
        try integer(field, Int.self, in: 0...Int.max)
    }
}

extension [String: TraceValue] {
    /// Sets `field` to the epoch's text `term.leader`, or leaves it out when nil.
    public mutating func put(_ field: String, _ epoch: Epoch?) {
        if let epoch { self[field] = .string(epoch.description) }
    }

    /// Sets `epoch` to the epoch's text and `term` to its term as an integer (the format writes both for old
    /// readers; readers read `epoch` only).
    public mutating func put(epoch: Epoch?) {
        guard let epoch else { return }
        self["epoch"] = .string(epoch.description)
        self["term"] = .int(Int64(clamping: epoch.term))
    }

    /// The fields naming a lease in the executor's and queue's events: `order`, `executor` (when given), `epoch`
    /// (with `term`) and `lease`.
    static func lease(order: String, executor: Int? = nil, epoch: Epoch?, lease: UInt64?) -> Self {
        var data: Self = ["order": .string(order)]
        data.put("executor", executor)
        data.put(epoch: epoch)
        data.put("lease", lease)
        return data
    }
}
