import Synchronization

/// How a process writes and restores its trace: segment size, the clock reservation, which node ids a restored
/// clock may name, and which event fields the state file remembers. Set once per process (`bookstore serve`
/// sets it from the cluster config) before the first recorder is made; tests pass their own.
public struct TraceFileSettings: Sendable {
    /// The writer moves to the node's next segment once the current one is this large (compressed bytes).
    public var segmentBytes = 64 << 20
    /// The writer ends a gzip member and starts a new one after this many uncompressed bytes, so that a restart
    /// reads at most about one member of trace (the state file says where the last member starts).
    public var memberBytes = 256 << 10
    /// zlib's settings for the trace files (the same in every process and in `bookstore-bench rpc`).
    public var compression = TraceCompression.standard
    /// Own clock values reserved ahead in the state file: a restarted node continues above the reservation,
    /// so it never repeats a value an earlier incarnation used, even one whose event was lost in a `kill -9`.
    public var reservation: UInt64 = 100_000
    /// How often (at most) the writer brings the state file up to date while events flow. Only an optimisation of
    /// the restart: a new member already saves the state at once, so a restart reads at most about one member
    /// whatever this is; each save is a JSON encode, a write and an `fsync` (at 250 ms it was ~17 % of an idle
    /// follower's CPU).
    public var stateIntervalNanos: UInt64 = 5_000_000_000
    /// The node ids a restored clock may name (nil: any). Entries for other ids are refused like on the wire.
    public var knownNodes: Set<String>?
    /// Event fields whose highest value the state file remembers (an executor's epoch).
    public var watches: [TraceStateWatch] = []

    public init() {}

    private static let shared = Mutex(TraceFileSettings())

    /// The process-wide settings that `TraceRecorder.file` uses by default.
    public static var current: TraceFileSettings {
        get { shared.withLock { $0 } }
        set { shared.withLock { $0 = newValue } }
    }
}

/// A value the state file remembers the highest of: what `extract` reads from events of `kinds` (normally one field
/// of their typed payload), compared by `isHigher`.
public struct TraceStateWatch: Sendable {
    /// The key in the state file's `highest` object.
    public var name: String
    public var kinds: Set<EventKind>
    /// Reads the value from an event of one of `kinds` (nil when it has none).
    public var extract: @Sendable (TraceEvent) -> String?
    /// Validates a value read back (from the state file or a trace): refused values are ignored.
    public var isValid: @Sendable (String) -> Bool
    /// True when the first value is higher than the second.
    public var isHigher: @Sendable (String, String) -> Bool

    /// A watch of the string field `field` of events of `kinds` (kinds without a typed payload).
    public init(
        name: String, kinds: Set<EventKind>, field: String, isValid: @escaping @Sendable (String) -> Bool,
        isHigher: @escaping @Sendable (String, String) -> Bool
    ) {
        self.init(
            name: name, kinds: kinds, extract: { $0.data[field]?.stringValue }, isValid: isValid, isHigher: isHigher)
    }

    /// A watch of the value `extract` reads from events of `kinds`.
    public init(
        name: String, kinds: Set<EventKind>, extract: @escaping @Sendable (TraceEvent) -> String?,
        isValid: @escaping @Sendable (String) -> Bool, isHigher: @escaping @Sendable (String, String) -> Bool
    ) {
        self.name = name
        self.kinds = kinds
        self.extract = extract
        self.isValid = isValid
        self.isHigher = isHigher
    }

    /// The value `event` carries for this watch, if it is one of its kinds and the value is valid.
    public func value(in event: TraceEvent) -> String? {
        guard kinds.contains(event.kind), let value = extract(event), isValid(value) else {
            return nil
        }
        return value
    }

    /// Folds `event` into `highest` (the state's remembered values).
    static func fold(_ event: TraceEvent, into highest: inout [String: String], watches: [TraceStateWatch]) {
        for watch in watches {
            guard let value = watch.value(in: event) else { continue }
            if let current = highest[watch.name], !watch.isHigher(value, current) { continue }
            highest[watch.name] = value
        }
    }
}
