import Foundation
import Services
import Testing

@Suite("Cluster configuration")
struct ClusterConfigTests {
    @Test func theShippedConfigFileSpellsOutTheDefaults() throws {
        let shipped = try ClusterConfig.load(path: packageRoot.appendingPathComponent("config/cluster.json").path)
        // Its relative paths are from its own folder (config/), so they name the package root's models and traces.
        #expect(shipped == ClusterConfig().resolvingPaths(against: packageRoot.path))
    }

    @Test func missingKeysKeepTheirDefaults() throws {
        let path = temporaryPath("config") + ".json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"fraud":{"id":"fraud","address":"10.0.0.7:9102"},"executors":{"leaseMs":900}}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let config = try ClusterConfig.load(path: path)
        #expect(config.fraud.address == "10.0.0.7:9102")
        #expect(config.executors.leaseMs == 900)
        #expect(config.executors.replicas.count == 3)
        #expect(config.orchestrator.address == "127.0.0.1:8081")
    }

    @Test func fanOutBatchBoundsAreCheckedWhenTheFileIsRead() throws {
        let path = temporaryPath("config") + ".json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"fanOutBatch":{"maxItems":1}}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(try ClusterConfig.load(path: path).fanOutBatch == FanOutBatchSettings(maxItems: 1, maxInFlight: 1))
        for wrong in [#"{"fanOutBatch":{"maxItems":65}}"#, #"{"fanOutBatch":{"maxInFlight":0}}"#] {
            try Data(wrong.utf8).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: ConfigError.self) { try ClusterConfig.load(path: path) }
            #expect(error.description.contains("fanOutBatch"), "\(error)")
        }
    }

    @Test func aBrokenFileIsAClearError() throws {
        let path = temporaryPath("config") + ".json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"deadlines": {"fraudMs": "soon"}}"#.utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: ConfigError.self) { try ClusterConfig.load(path: path) }
        #expect(error.description.contains(path))
    }

    @Test func aQueueRefusesSettingsItsLogCouldNotReadBack() {
        #expect(QueueService.Settings.problem(config: ClusterConfig()) == nil)
        var slots = ClusterConfig()
        slots.executors.executorConcurrency = 2_000
        #expect(QueueService.Settings.problem(config: slots)?.contains("executorConcurrency") == true)
        var ids = ClusterConfig()
        ids.executors.replicas[0].id = 0
        #expect(QueueService.Settings.problem(config: ids) != nil)
    }
}
