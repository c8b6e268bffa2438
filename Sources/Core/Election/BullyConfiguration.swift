/// Timing of the Bully election, in nanoseconds.
///
/// Safety does not depend on these values (epochs and the queue's fencing keep a stale leader from
/// committing); they only decide how fast a failure is noticed and how often a slow network causes a
/// needless election. The defaults suit loopback: a leader is declared dead after four missed heartbeats.
public struct BullyConfiguration: Sendable, Hashable, Codable {
    /// How often the leader sends heartbeats.
    public var heartbeatInterval: UInt64
    /// A follower that hears no heartbeat for this long starts an election (the failure detector).
    public var leaderTimeout: UInt64
    /// A candidate that gets no answer from a higher id within this becomes leader.
    public var electionTimeout: UInt64
    /// A node that got an answer but no coordinator message within this starts a new election.
    public var coordinatorTimeout: UInt64

    public init(
        heartbeatInterval: UInt64 = 50_000_000, leaderTimeout: UInt64 = 200_000_000,
        electionTimeout: UInt64 = 60_000_000, coordinatorTimeout: UInt64 = 200_000_000
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.leaderTimeout = leaderTimeout
        self.electionTimeout = electionTimeout
        self.coordinatorTimeout = coordinatorTimeout
    }

    /// Loopback defaults: heartbeat 50 ms, failure after 200 ms, election answer wait 60 ms.
    public static let loopback = BullyConfiguration()
}
