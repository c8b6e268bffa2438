import ClusterProtocol
import Election
import Foundation
import Logging
import RPC
import Services
import TraceFormat

/// Asks the executors what they believe (`status`), to find the leader from outside the cluster.
public struct ExecutorProbe: Sendable {
    public let settings: ExecutorSettings
    /// Presented to the executors (`status` is an internal RPC).
    public let credential: ClusterCredential?
    /// The cluster's transport settings: with `tls` set, the executors are called over HTTPS (see
    /// `SecuritySettings.target(of:)`).
    public let security: SecuritySettings

    public init(settings: ExecutorSettings, credential: ClusterCredential?, security: SecuritySettings = .init()) {
        self.settings = settings
        self.credential = credential
        self.security = security
    }

    /// A probe of `config`'s executors with its configured credential (see `SecuritySettings.credential`) and TLS.
    public init(config: ClusterConfig, runDirectory: String? = nil) {
        self.init(
            settings: config.executors, credential: try? config.security.credential(runDirectory: runDirectory),
            security: config.security)
    }

    /// The status of every executor that answers within `deadline`.
    public func statuses(deadline: Duration = .milliseconds(300)) -> [ExecutorStatus] {
        let recorder = TraceRecorder(node: "probe", writer: nil)
        let logger = Logger(label: "probe") { _ in SwiftLogNoOpLogHandler() }
        return settings.replicas.compactMap { replica in
            let target = security.target(of: replica.endpoint)
            let client = RPCClient(
                peer: replica.node, baseURL: target.baseURL, recorder: recorder, logger: logger,
                defaultDeadline: deadline, connectTimeout: deadline, propagatesContext: false, credential: credential,
                caFile: target.caFile)
            return try? client.call(ExecutorRPC.status, NoPayload())
        }
    }

    /// The executor that leads the highest epoch any executor knows, if one claims it.
    public func leader(deadline: Duration = .milliseconds(300)) -> ExecutorStatus? {
        statuses(deadline: deadline).filter { $0.role == .leader }.max { ($0.epoch ?? .none) < ($1.epoch ?? .none) }
    }

    /// Polls until a leader other than `excluding` leads an epoch newer than `after`, or `timeout` passes.
    public func waitForNewLeader(
        excluding: Int?, after: Epoch?, timeout: Duration, poll: Duration = .milliseconds(20)
    ) -> ExecutorStatus? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let leader = leader(deadline: .milliseconds(100)), leader.id != excluding,
                (leader.epoch ?? .none) > (after ?? .none)
            {
                return leader
            }
            Thread.sleep(forTimeInterval: Double(poll.wholeMilliseconds) / 1000)
        }
        return nil
    }
}
