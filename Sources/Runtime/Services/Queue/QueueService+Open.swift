import ClusterProtocol
import Foundation
import OrderQueueCore
import QueueStore
import RPC
import TraceFormat

extension QueueService {
    /// The queue `config` describes, on `host`: with `queueStore.durable` and a `dataDirectory`, its log is
    /// opened and replayed (leases of the old process revoked, durably), and `queue.recovered` is recorded;
    /// otherwise the queue lives in memory only.
    public static func open(config: ClusterConfig, dataDirectory: String?, host: ServiceHost) throws -> QueueService {
        if let problem = Settings.problem(config: config) { throw ConfigError(path: "-", reason: "queue: \(problem)") }
        let settings = Settings(config: config)
        guard config.queueStore.durable, let dataDirectory else {
            host.logger.notice("the order queue is in memory only: orders do not survive a restart")
            return QueueService(
                policy: config.priority, settings: settings, metrics: host.metrics, recorder: host.recorder,
                logger: host.logger)
        }
        let nanos = UInt64(clamping: settings.leaseDuration.wholeMilliseconds) &* 1_000_000
        var queue = LeasedOrderQueue(leaseDuration: nanos, journaling: true)
        let (store, recovery) = try QueueStore.open(directory: dataDirectory, into: &queue)
        let revoked = queue.revokeAllLeases()
        do {
            try store.waitDurable(try store.append(queue.takeJournal()))
        } catch {
            store.close()
            throw error
        }
        for damage in recovery.damage {
            host.logger.warning("cut a damaged log tail", metadata: ["damage": .string(damage)])
        }
        let waiting = queue.waiting.snapshot().map(\.orderId)
        let replayMs = Double(recovery.replayNanos) / 1e6
        host.recorder.record(
            QueueRecovered(
                records: recovery.snapshotRecords + recovery.logRecords, waiting: waiting.count,
                committed: queue.commits.count, revoked: revoked.count, highestEpoch: queue.highestEpoch,
                replayMs: replayMs, damaged: recovery.damage.count, orders: waiting,
                recentCommits: recovery.newestCommits))
        host.logger.info(
            "queue recovered",
            metadata: [
                "directory": .string(dataDirectory), "records": "\(recovery.snapshotRecords + recovery.logRecords)",
                "waiting": "\(waiting.count)", "committed": "\(queue.commits.count)", "revoked": "\(revoked.count)",
                "replay_ms": "\(replayMs)",
            ])
        return QueueService(
            policy: config.priority, settings: settings, store: store, recovered: queue, metrics: host.metrics,
            recorder: host.recorder, logger: host.logger)
    }
}
