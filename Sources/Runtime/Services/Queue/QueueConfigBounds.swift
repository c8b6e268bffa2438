import OrderQueueCore

extension QueueService.Settings {
    /// Why `config` cannot run a queue whose log must read back everything it wrote (nil when it can). The log's
    /// decoder holds records to `QueueBounds` (slots, executor ids) and to ±2^31 priorities: a config past them
    /// would write records that recovery refuses, so the queue refuses the config instead.
    public static func problem(config: ClusterConfig) -> String? {
        let executors = config.executors
        guard (1...QueueBounds.maxSlot).contains(executors.executorConcurrency) else {
            return "executors.executorConcurrency must be 1…\(QueueBounds.maxSlot)"
        }
        guard (1...QueueBounds.maxLeaseBatch).contains(executors.executorLeaseBatch) else {
            return "executors.executorLeaseBatch must be 1…\(QueueBounds.maxLeaseBatch)"
        }
        guard executors.replicas.allSatisfy({ (1...QueueBounds.maxExecutorId).contains($0.id) }) else {
            return "executor ids must be 1…\(QueueBounds.maxExecutorId)"
        }
        guard (1...86_400_000).contains(executors.leaseMs) else { return "executors.leaseMs must be 1…86400000" }
        let weights = config.priority.shippingWeights.values
        guard weights.allSatisfy({ abs($0) <= 1 << 30 }), config.priority.countryRanking.count <= 1 << 20 else {
            return "priority weights must be within ±2^30 and at most 2^20 countries ranked"
        }
        return nil
    }
}
