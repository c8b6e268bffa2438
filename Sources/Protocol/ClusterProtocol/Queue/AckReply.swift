import Election
import OrderQueueCore

/// What became of an `ack` or a `release`, with its wire spelling (also the `outcome` of `executor.commit` and
/// `queue.commit`/`queue.ack.refused` trace events, and the `outcome` label of `queue_acks_total`).
public enum AckOutcome: String, Codable, Sendable, CaseIterable {
    /// The order is committed by this ack.
    case committed
    /// The order was committed before (a repeated ack): nothing changed.
    case alreadyCommitted = "already_committed"
    /// The lease was given back; the order waits again.
    case released
    /// The request's epoch is stale.
    case fenced
    /// The executor holds no such lease (it expired or was revoked).
    case noLease = "no_lease"
}

/// `queue.ack` and `queue.release` result.
///
/// On the wire: `{"outcome":"committed","commit":{…}}`, `{"outcome":"already_committed","commit":{…}}`,
/// `{"outcome":"released"}`, `{"outcome":"fenced","fencedBy":{"term":4,"leader":3}}`, `{"outcome":"no_lease"}`
/// (the spelling of the earlier struct with optional fields). A reply whose fields do not fit its outcome is
/// refused when decoded.
public enum AckReply: Sendable, Equatable {
    case committed(Commit)
    case alreadyCommitted(Commit)
    case released
    case fenced(by: Epoch)
    case noLease

    /// The case's wire name.
    public var outcome: AckOutcome {
        switch self {
        case .committed: .committed
        case .alreadyCommitted: .alreadyCommitted
        case .released: .released
        case .fenced: .fenced
        case .noLease: .noLease
        }
    }

    /// The reply to a `LeasedOrderQueue.ack` outcome.
    public init(_ outcome: LeasedOrderQueue.AckOutcome) {
        switch outcome {
        case .committed(let commit): self = .committed(commit)
        case .alreadyCommitted(let commit): self = .alreadyCommitted(commit)
        case .fenced(let current): self = .fenced(by: current)
        case .noLease: self = .noLease
        }
    }

    /// The reply to a `LeasedOrderQueue.release` outcome.
    public init(_ outcome: LeasedOrderQueue.ReleaseOutcome) {
        switch outcome {
        case .released: self = .released
        case .fenced(let current): self = .fenced(by: current)
        case .noLease: self = .noLease
        }
    }
}

extension AckReply: Codable {
    private enum CodingKeys: String, CodingKey {
        case outcome, commit, fencedBy
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(AckOutcome.self, forKey: .outcome) {
        case .committed: self = .committed(try container.decode(Commit.self, forKey: .commit))
        case .alreadyCommitted: self = .alreadyCommitted(try container.decode(Commit.self, forKey: .commit))
        case .released: self = .released
        case .fenced: self = .fenced(by: try container.decode(Epoch.self, forKey: .fencedBy))
        case .noLease: self = .noLease
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome, forKey: .outcome)
        switch self {
        case .committed(let commit), .alreadyCommitted(let commit):
            try container.encode(commit, forKey: .commit)
        case .fenced(let epoch):
            try container.encode(epoch, forKey: .fencedBy)
        case .released, .noLease:
            break
        }
    }
}
