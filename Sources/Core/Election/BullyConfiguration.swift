/// Timing of the Bully election, in nanoseconds.
///
/// Safety does not depend on these values (epochs and the queue's fencing keep a stale leader from
/// committing); they only decide how fast a failure is noticed and how often a slow network or a starved machine
/// causes a needless election. The defaults suit loopback: heartbeats every 20 ms, and a leader declared dead
/// after 80 ms of silence on a quiet machine; the adaptive detector (`detector`) waits longer when the heartbeats
/// are jittery or the node itself is starved, up to `detector.maximumTimeout`.
public struct BullyConfiguration: Sendable, Hashable, Codable {
    /// How often the leader sends heartbeats.
    public var heartbeatInterval: UInt64
    /// A follower that hears no heartbeat for this long starts an election: the failure detector's floor (what a
    /// quiet machine with regular heartbeats gets; the adaptive detector only ever waits longer).
    public var leaderTimeout: UInt64
    /// A candidate that gets no answer from a higher id within this becomes leader (widened by local health).
    public var electionTimeout: UInt64
    /// A node that got an answer but no coordinator message within this starts a new election (widened likewise).
    public var coordinatorTimeout: UInt64
    /// The deadline of a probe of a suspected leader (0: no probe, elect as soon as the detector suspects). A
    /// refused probe elects at once; a probe without an answer is repeated until the detector's ceiling.
    public var probeTimeout: UInt64
    /// How long the leader may hold a follower's `watch` of it (0: no watch). A follower keeps one watch of its
    /// leader under way; a watch that breaks (a killed leader's kernel closes its connections) is probed at once,
    /// so a crash is noticed in a round trip instead of a detector timeout (`BullyElection+Watch`).
    public var watchHold: UInt64
    /// The adaptive failure detector (phi-accrual over heartbeat gaps and local health awareness).
    public var detector: FailureDetectorSettings

    /// - Parameter probeTimeout: 0 (the default here) elects as soon as the detector suspects; `loopback` probes.
    /// - Parameter detector: nil for `FailureDetectorSettings.defaults` of this heartbeat interval and timeout.
    public init(
        heartbeatInterval: UInt64 = 20_000_000, leaderTimeout: UInt64 = 80_000_000,
        electionTimeout: UInt64 = 40_000_000, coordinatorTimeout: UInt64 = 200_000_000,
        probeTimeout: UInt64 = 0, watchHold: UInt64 = 0, detector: FailureDetectorSettings? = nil
    ) {
        self.probeTimeout = probeTimeout
        self.watchHold = watchHold
        self.heartbeatInterval = heartbeatInterval
        self.leaderTimeout = leaderTimeout
        self.electionTimeout = electionTimeout
        self.coordinatorTimeout = coordinatorTimeout
        self.detector =
            detector ?? .defaults(heartbeatInterval: heartbeatInterval, leaderTimeout: leaderTimeout)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            heartbeatInterval: try container.decode(UInt64.self, forKey: .heartbeatInterval),
            leaderTimeout: try container.decode(UInt64.self, forKey: .leaderTimeout),
            electionTimeout: try container.decode(UInt64.self, forKey: .electionTimeout),
            coordinatorTimeout: try container.decode(UInt64.self, forKey: .coordinatorTimeout),
            probeTimeout: try container.decodeIfPresent(UInt64.self, forKey: .probeTimeout) ?? 0,
            watchHold: try container.decodeIfPresent(UInt64.self, forKey: .watchHold) ?? 0,
            detector: try container.decodeIfPresent(FailureDetectorSettings.self, forKey: .detector))
    }

    /// Loopback defaults: heartbeat 20 ms, suspicion after 80 ms of silence on a quiet machine (adaptive up to
    /// 960 ms), confirmed by a probe of 100 ms deadline (a refusal elects at once), election answer wait 40 ms.
    public static let loopback = BullyConfiguration(probeTimeout: 100_000_000)

    /// The deployed timing (config/cluster.json): heartbeats every 350 ms, suspicion after 1 s of silence on a
    /// quiet machine (adaptive up to 2 s), a probe of 100 ms deadline, and each follower watching its leader
    /// with holds of up to 5 s, so a killed leader is noticed when its connections close, not by the detector.
    public static let watched: BullyConfiguration = {
        var detector = FailureDetectorSettings.defaults(heartbeatInterval: 350_000_000, leaderTimeout: 1_000_000_000)
        detector.maximumTimeout = 2_000_000_000
        return BullyConfiguration(
            heartbeatInterval: 350_000_000, leaderTimeout: 1_000_000_000, probeTimeout: 100_000_000,
            watchHold: 5_000_000_000, detector: detector)
    }()

    /// How much longer than its hold a watch call may take before the follower gives up on it (its deadline).
    public var watchDeadline: UInt64 { watchHold == 0 ? 0 : watchHold &+ max(probeTimeout, 100_000_000) }
}
