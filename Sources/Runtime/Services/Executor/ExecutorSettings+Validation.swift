import ClusterProtocol

extension ExecutorSettings {
    /// Why the election timing of this config must be refused (nil: usable): every interval positive and bounded,
    /// the detector's floor at least two heartbeats and its ceiling not below the floor, the probe's deadline and
    /// the watch's hold within what a replica grants.
    public func timingProblem() -> String? {
        let hour = 3_600_000
        let checks: [(Bool, String)] = [
            ((1...60_000).contains(heartbeatMs), "executors.heartbeatMs \(heartbeatMs) is not within 1…60000"),
            (
                leaderTimeoutMs / 2 >= heartbeatMs && leaderTimeoutMs <= hour,
                "executors.leaderTimeoutMs \(leaderTimeoutMs) is below two heartbeats or above an hour"
            ),
            (
                maxLeaderTimeoutMs >= leaderTimeoutMs && maxLeaderTimeoutMs <= hour,
                "executors.maxLeaderTimeoutMs \(maxLeaderTimeoutMs) is below leaderTimeoutMs or above an hour"
            ),
            (
                (1...hour).contains(electionTimeoutMs),
                "executors.electionTimeoutMs \(electionTimeoutMs) is not positive"
            ),
            (
                (1...hour).contains(coordinatorTimeoutMs),
                "executors.coordinatorTimeoutMs \(coordinatorTimeoutMs) is not positive"
            ),
            (
                (0...60_000).contains(probeTimeoutMs),
                "executors.probeTimeoutMs \(probeTimeoutMs) is not within 0…60000"
            ),
            (
                (0...LeaderWatchRequest.maxHoldMs).contains(watchHoldMs),
                "executors.watchHoldMs \(watchHoldMs) is not within 0…\(LeaderWatchRequest.maxHoldMs)"
            ),
            (
                (1...60_000).contains(messageDeadlineMs),
                "executors.messageDeadlineMs \(messageDeadlineMs) is not positive"
            ),
        ]
        return checks.first { !$0.0 }?.1
    }
}
