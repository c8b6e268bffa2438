import ClusterProtocol
import Election
import ExecutorCore
import Logging
import RPC

/// Watching the leader: the follower keeps one `watch` call to its leader under way (on the peer's client, with
/// the hold plus a margin as deadline). The leader's server holds it until the leader stops leading the watched
/// epoch or the hold ends (`LeaderWatchers`). When the leader's process is killed, its kernel closes the
/// connection and libcurl fails the call at once: `broken`, which makes the instance probe the leader right away.
extension ExecutorNode {
    func watch(_ leader: Int, epoch: Epoch, number: UInt64, hold: UInt64, deadline: UInt64) {
        guard let client = peerClients[leader] else {
            logger.warning("cannot watch executor-\(leader): not a configured peer")
            apply(instance.onWatchEnded(.failed, watch: number, now: monotonic()))
            return
        }
        let now = monotonic()
        let timeout = Duration.nanoseconds(Int64(clamping: max(deadline > now ? deadline - now : 0, 1_000_000)))
        let request = LeaderWatchRequest(
            epoch: epoch, holdMs: Int(clamping: min(hold / 1_000_000, UInt64(LeaderWatchRequest.maxHoldMs))))
        // An older watch still under way is abandoned (its result is ignored by number); it ends by its deadline.
        watchTask = Task { [weak self] in
            let result: LeaderWatchResult
            var cause: String?
            do throws(RPCCallError) {
                let status = try await client.call(ExecutorRPC.watch, request, deadline: timeout)
                result = .answered(leading: status.role == .leader ? status.epoch : nil)
            } catch {
                result = error.kind.isUnavailable ? .broken : .failed
                cause = error.description
            }
            await self?.watched(leader, number: number, result, cause: cause)
        }
    }

    private func watched(_ leader: Int, number: UInt64, _ result: LeaderWatchResult, cause: String?) {
        guard !stopped else { return }
        let outcome: String
        switch result {
        case .answered: outcome = "answered"
        case .broken: outcome = "broken"
        case .failed: outcome = "failed"
        }
        metrics.counter("executor_leader_watches_total", [("outcome", outcome)]).increment()
        if let cause {
            // A broken watch is how a leader's crash is first seen; a failed one is inconclusive.
            logger.info(
                "watch of the leader \(outcome)",
                metadata: ["leader": "executor-\(leader)", "watch": "\(number)", "cause": .string(cause)])
        }
        apply(instance.onWatchEnded(result, watch: number, now: monotonic()))
    }

    /// Serves a peer's `watch` on the server thread: holds it while this replica leads the watched epoch, at most
    /// the requested hold and never past `LeaderWatchers.deadlineMarginNanos` before the caller's deadline; then
    /// answers the replica's status. Params out of range are refused with `invalidParams`.
    public nonisolated func serveWatch(_ request: LeaderWatchRequest, deadline: UInt64?) throws -> ExecutorStatus {
        if let problem = request.problem {
            logger.warning("refused a watch", metadata: ["cause": .string(problem)])
            throw RPCError(.invalidParams, problem)
        }
        let now = MonotonicClock.nanos()
        var hold = UInt64(request.holdMs) &* 1_000_000
        if let deadline {
            let left = deadline > now ? deadline - now : 0
            let margin = LeaderWatchers.deadlineMarginNanos
            hold = min(hold, left > margin ? left - margin : 0)
        }
        watchers.hold(epoch: request.epoch, nanos: hold)
        return currentStatus
    }
}

extension RPCCallError.Kind {
    /// The peer could not be reached or dropped the connection (refused, reset, closed without a reply).
    var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
