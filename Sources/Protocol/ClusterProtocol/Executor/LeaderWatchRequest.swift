import Election

/// `executor.watch` params: a follower watches the leader of `epoch`. The leader holds the call up to `holdMs`
/// (at most `maxHoldMs`, and ending before the caller's deadline) and answers its `status` early when it stops
/// leading `epoch`; a replica that does not lead `epoch` answers at once.
public struct LeaderWatchRequest: Codable, Sendable, Equatable {
    /// The longest hold a replica grants.
    public static let maxHoldMs = 10_000

    public var epoch: Epoch
    public var holdMs: Int

    public init(epoch: Epoch, holdMs: Int) {
        self.epoch = epoch
        self.holdMs = holdMs
    }

    /// Why these params must be refused (nil: acceptable): the hold within 0…`maxHoldMs`, the epoch's term at most
    /// `Epoch.maxTerm`.
    public var problem: String? {
        guard (0...Self.maxHoldMs).contains(holdMs) else {
            return "holdMs \(holdMs) is not within 0…\(Self.maxHoldMs)"
        }
        guard epoch.term <= Epoch.maxTerm else { return "epoch term \(epoch.term) is beyond \(Epoch.maxTerm)" }
        return nil
    }
}
