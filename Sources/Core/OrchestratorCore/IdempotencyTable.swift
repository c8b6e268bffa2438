/// The orchestrator's memory of `Idempotency-Key`s (pure: time comes in as `now`, no IO).
///
/// Keyed by the client's key; each entry keeps the SHA-256 of the body first sent with it (never the body, which
/// holds card data), the order id given to it, and where that order stands:
/// - `inFlight`: a request with this key is being handled now;
/// - `retryable`: the last attempt ended in a 503 (a required service or the queue was down, the queue was full):
///   a retry reuses the same order id, and `decided` holds the approval when only the enqueue is left to do;
/// - `final`: an order decision was answered (approved and stored, or rejected): a retry gets the same reply.
///
/// Bounded: keys are 1…`maxKeyLength` visible ASCII characters; at most `maxEntries` entries, the oldest evicted
/// first; an entry lives `ttlNanos` from its creation. The table lives in the orchestrator process only: it is
/// lost when the orchestrator restarts (then a retry gets a new order id).
public struct IdempotencyTable<Decided: Sendable>: Sendable {
    /// The table's bounds.
    public struct Limits: Sendable {
        public var maxKeyLength = 255
        public var maxEntries = 50_000
        public var ttlNanos: UInt64 = 10 * 60 * 1_000_000_000

        public init(maxKeyLength: Int = 255, maxEntries: Int = 50_000, ttlNanos: UInt64 = 10 * 60 * 1_000_000_000) {
            self.maxKeyLength = maxKeyLength
            self.maxEntries = maxEntries
            self.ttlNanos = ttlNanos
        }
    }

    /// A final reply, as it was sent.
    public struct StoredReply: Sendable, Equatable {
        public var status: Int
        public var body: [UInt8]

        public init(status: Int, body: [UInt8]) {
            self.status = status
            self.body = body
        }
    }

    /// Where a key's order stands.
    public enum State: Sendable {
        case inFlight
        case retryable(decided: Decided?)
        case final(StoredReply)
    }

    /// One remembered key.
    public struct Entry: Sendable {
        public var digest: String
        public var orderID: String
        public var state: State
        public var createdNanos: UInt64
        public var generation: UInt64
    }

    /// What to do with a request that carries a key.
    public enum Admission: Sendable {
        /// A new key: handle the request as order `orderID` (the caller's fresh id).
        case fresh(orderID: String)
        /// A retry after a 503: handle it again as the same order; `decided` is the approval, if one was made.
        case retry(orderID: String, decided: Decided?)
        /// The key's request was answered: send the same reply again.
        case replay(StoredReply, orderID: String)
        /// The key was first used with another body.
        case otherBody(orderID: String)
        /// A request with this key is being handled right now.
        case busy(orderID: String)
    }

    public let limits: Limits
    public private(set) var entries: [String: Entry] = [:]
    /// Keys in creation order with their entry's generation (stale pairs are skipped).
    private var order: [(key: String, generation: UInt64)] = []
    private var orderStart = 0
    private var nextGeneration: UInt64 = 0

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Nil when `key` is acceptable, else why not.
    public func problem(withKey key: String) -> String? {
        let utf8 = key.utf8
        if utf8.isEmpty { return "Idempotency-Key must not be empty" }
        if utf8.count > limits.maxKeyLength {
            return "Idempotency-Key is longer than \(limits.maxKeyLength) characters"
        }
        if !utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            return "Idempotency-Key must be visible ASCII characters (no spaces)"
        }
        return nil
    }

    /// Admits a request with `key` and body `digest`; `freshOrderID` is used when the key is new.
    public mutating func admit(key: String, digest: String, freshOrderID: String, now: UInt64) -> Admission {
        expire(now: now)
        if var entry = entries[key] {
            guard entry.digest == digest else { return .otherBody(orderID: entry.orderID) }
            switch entry.state {
            case .inFlight:
                return .busy(orderID: entry.orderID)
            case .final(let reply):
                return .replay(reply, orderID: entry.orderID)
            case .retryable(let decided):
                entry.state = .inFlight
                entries[key] = entry
                return .retry(orderID: entry.orderID, decided: decided)
            }
        }
        nextGeneration &+= 1
        entries[key] = Entry(
            digest: digest, orderID: freshOrderID, state: .inFlight, createdNanos: now, generation: nextGeneration)
        order.append((key, nextGeneration))
        evictOverflow()
        return .fresh(orderID: freshOrderID)
    }

    /// Records how the request with `key` ended: `.final` replies are replayed, `.retryable` ones handled again.
    public mutating func finish(key: String, state: State, now: UInt64) {
        guard var entry = entries[key], case .inFlight = entry.state else { return }
        entry.state = state
        entries[key] = entry
        expire(now: now)
    }

    /// Forgets entries older than the TTL.
    public mutating func expire(now: UInt64) {
        while orderStart < order.count {
            let (key, generation) = order[orderStart]
            if let entry = entries[key], entry.generation == generation {
                guard now >= entry.createdNanos, now - entry.createdNanos >= limits.ttlNanos else { break }
                entries[key] = nil
            }
            orderStart += 1
        }
        compact()
    }

    private mutating func evictOverflow() {
        while entries.count > limits.maxEntries, orderStart < order.count {
            let (key, generation) = order[orderStart]
            if entries[key]?.generation == generation { entries[key] = nil }
            orderStart += 1
        }
        compact()
    }

    /// Drops the consumed front of `order` once it is half the array.
    private mutating func compact() {
        if orderStart > 64 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    /// Keys remembered now.
    public var count: Int { entries.count }
}
