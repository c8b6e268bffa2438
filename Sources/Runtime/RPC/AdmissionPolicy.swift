import Causality

/// What a server admits: who may call its internal RPCs (`/rpc`, `/rpc/*`) and which protocol metadata it
/// accepts from the wire. Set on the `Router` (`router.admission`) before the server starts.
public struct AdmissionPolicy: Sendable {
    /// The cluster credential internal RPCs must present; nil admits every caller as a member (only for
    /// tests and benchmarks of the RPC layer itself; `ServiceHost` always sets one).
    public var credential: ClusterCredential?
    /// Bounds and membership of vector clocks (and of `x-sender`) from the wire.
    public var clockLimits: WireClockLimits
    /// Most requests one JSON-RPC batch may carry.
    public var maxBatch: Int

    public init(credential: ClusterCredential?, clockLimits: WireClockLimits, maxBatch: Int = 32) {
        self.credential = credential
        self.clockLimits = clockLimits
        self.maxBatch = max(1, maxBatch)
    }

    /// No credential and any well-formed node id, with the default bounds: the RPC layer's own tests.
    public static let permissive = AdmissionPolicy(credential: nil, clockLimits: WireClockLimits(maxEntries: 64))

    /// A cluster's policy: `credential` required; clocks naming only `knownNodes`, with at most `maxClockEntries`
    /// entries (never fewer than there are known nodes: a clock of the whole cluster is always admitted).
    public static func cluster(
        credential: ClusterCredential, knownNodes: Set<String>, maxClockEntries: Int
    ) -> AdmissionPolicy {
        let entries = max(maxClockEntries, knownNodes.count)
        return AdmissionPolicy(
            credential: credential, clockLimits: WireClockLimits(maxEntries: entries, knownNodes: knownNodes))
    }

    /// True when the `Authorization` header presents the credential (always, when none is required).
    func authenticates(_ authorization: String?) -> Bool {
        guard let credential else { return true }
        return credential.accepts(authorization: authorization)
    }
}
