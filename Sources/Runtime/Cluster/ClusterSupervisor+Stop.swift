import Foundation
import Services

extension ClusterSupervisor {
    /// The order of a clean stop: intake first (the orchestrator drains: checkout answers 503 while requests in
    /// flight finish), then the executors (the leader finishes or gives back its leases while the queue still
    /// answers), then the leaf services, then the queue (it records `queue.stopped`). Each process closes its
    /// trace writer last; the supervisor's own trace is closed after everything stopped.
    public static let stopPhases: [[String]] = [
        ["orchestrator"], ["executor"], ["verification", "fraud", "suggestions"], ["queue"],
    ]

    /// The phase of a node (`executor-2` is in the `executor` phase; unknown nodes stop with the leaf services).
    static func phase(of node: String) -> Int {
        let role = node.hasPrefix("executor-") ? "executor" : node
        return stopPhases.firstIndex { $0.contains(role) } ?? 2
    }

    /// Stops every child phase by phase (`stopPhases`): SIGCONT (a paused one cannot stop), SIGTERM, then SIGKILL
    /// for any still running after `grace`. Processes started into this run by others (`chaos restart`) are found
    /// by their pid files, proven to belong to the run, and stopped in their phase too.
    public func stop(grace: Duration = .seconds(5)) {
        let ours: [String: Process] = restartLock.withLock {
            lock.withLock {
                stopping = true
                return processes
            }
        }
        let ourPIDs = Set(ours.values.map(\.processIdentifier))
        let adopted = RunProcesses(directory: run.path).live().filter { !ourPIDs.contains($0.pid) }
        for phase in Self.stopPhases.indices {
            let children = ours.filter { Self.phase(of: $0.key) == phase && $0.value.isRunning }.map(\.value)
            let others = adopted.filter { Self.phase(of: $0.node) == phase }.map(\.pid)
            stop(children: children, adopted: others, grace: grace)
        }
        openedRecorder?.close()
    }

    private func stop(children: [Process], adopted: [Int32], grace: Duration) {
        guard !children.isEmpty || !adopted.isEmpty else { return }
        for pid in children.map(\.processIdentifier) + adopted {
            kill(pid, SIGCONT)
            kill(pid, SIGTERM)
        }
        let deadline = ContinuousClock.now + grace
        while (children.contains(where: \.isRunning) || adopted.contains(where: { kill($0, 0) == 0 }))
            && ContinuousClock.now < deadline
        {
            Thread.sleep(forTimeInterval: 0.02)
        }
        for process in children where process.isRunning {
            logger.warning("service did not stop in time; killing", metadata: ["pid": "\(process.processIdentifier)"])
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for pid in adopted where kill(pid, 0) == 0 {
            logger.warning("adopted service did not stop in time; killing", metadata: ["pid": "\(pid)"])
            kill(pid, SIGKILL)
        }
    }
}
