import ClusterProtocol
import Election
import ExecutorCore
import Logging
import RPC

/// Probing a suspected leader: the failure detector suspects it, and before electing, the follower asks the leader
/// for its `status` on the peer's existing client, with the probe's deadline. The outcome goes back to the
/// instance: an answer (alive, and the epoch it leads), a refused or reset connection (the process is gone: on one
/// host a killed process's port is closed, and libcurl fails at once), or no answer in time.
extension ExecutorNode {
    func probe(_ leader: Int, number: UInt64, deadline: UInt64) {
        guard let client = peerClients[leader] else {
            logger.warning("cannot probe executor-\(leader): not a configured peer")
            apply(instance.onProbeResult(.timedOut, probe: number, now: monotonic()))
            return
        }
        let now = monotonic()
        let nanos = deadline > now ? deadline - now : 1_000_000
        let timeout = Duration.nanoseconds(Int64(clamping: max(nanos, 1_000_000)))
        metrics.counter("executor_leader_probes_total").increment()
        probeTask?.cancel()
        probeTask = Task { [weak self] in
            let result: LeaderProbeResult
            var cause: String?
            do throws(RPCCallError) {
                let status = try await client.call(ExecutorRPC.status, NoPayload(), deadline: timeout)
                result = .answered(leading: status.role == .leader ? status.epoch : nil)
            } catch {
                result = Self.probeResult(of: error)
                cause = error.description
            }
            await self?.probed(leader, number: number, result, cause: cause)
        }
    }

    /// A failed `status` call as a probe outcome: unreachable (refused, reset) is `refused`; anything else (no
    /// answer in time, an error reply of a process too busy to answer, a bad reply) is inconclusive: `timedOut`.
    static func probeResult(of error: RPCCallError) -> LeaderProbeResult {
        switch error.kind {
        case .unavailable: return .refused
        case .deadlineExceeded, .remote, .badReply, .encoding: return .timedOut
        }
    }

    private func probed(_ leader: Int, number: UInt64, _ result: LeaderProbeResult, cause: String?) {
        guard !stopped else { return }
        let outcome: String
        switch result {
        case .answered(let leading): outcome = leading.map { "answered (leads \($0))" } ?? "answered (not leading)"
        case .refused: outcome = "refused"
        case .timedOut: outcome = "no answer in time"
        }
        metrics.counter("executor_leader_probe_results_total", [("outcome", Self.metricName(result))]).increment()
        var metadata: Logger.Metadata = ["leader": "executor-\(leader)", "probe": "\(number)"]
        if let cause { metadata["cause"] = .string(cause) }
        logger.info("probe of the suspected leader: \(outcome)", metadata: metadata)
        apply(instance.onProbeResult(result, probe: number, now: monotonic()))
    }

    private static func metricName(_ result: LeaderProbeResult) -> String {
        switch result {
        case .answered: return "answered"
        case .refused: return "refused"
        case .timedOut: return "timed_out"
        }
    }
}
