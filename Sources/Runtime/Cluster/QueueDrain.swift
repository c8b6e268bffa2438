import ClusterProtocol
import Foundation
import Logging
import RPC
import Services
import TraceFormat

/// Waits until the Order Queue has nothing waiting or leased (every approved order committed).
public enum QueueDrain {
    /// The queue's final snapshot, or nil if it cannot be reached; returns the last snapshot at the timeout.
    /// `credential` defaults to the one `config` names (see `SecuritySettings.credential`).
    public static func wait(
        config: ClusterConfig, timeout: Duration, credential: ClusterCredential? = nil
    ) -> QueueSnapshot? {
        let target = config.security.target(of: config.queue)
        let client = RPCClient(
            peer: "queue", baseURL: target.baseURL, recorder: TraceRecorder(node: "drain", writer: nil),
            logger: Logger(label: "drain") { _ in SwiftLogNoOpLogHandler() }, propagatesContext: false,
            credential: credential ?? (try? config.security.credential()), caFile: target.caFile)
        let deadline = ContinuousClock.now + timeout
        var last: QueueSnapshot?
        while ContinuousClock.now < deadline {
            if let snapshot = try? client.call(QueueRPC.inspect, NoPayload()) {
                last = snapshot
                if snapshot.waiting.isEmpty && snapshot.leases.isEmpty { return snapshot }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return last
    }
}
