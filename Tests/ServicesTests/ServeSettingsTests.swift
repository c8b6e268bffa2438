import Foundation
import Services
import Testing

@Suite("Serve settings for real hosts")
struct ServeSettingsTests {
    private func resolve(
        _ service: String, id: Int? = nil, listen: String? = nil, config: ClusterConfig = ClusterConfig(),
        _ environment: [String: String] = [:]
    ) throws -> ServeSettings {
        try ServeSettings.resolve(
            flags: .init(service: service, executorID: id, listen: listen), config: config, environment: environment)
    }

    private func refusal(_ service: String, _ environment: [String: String]) -> ConfigError? {
        do {
            _ = try resolve(service, environment)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test func relativePathsInAConfigFileAreTakenFromTheFilesFolder() throws {
        let folder = temporaryPath("config-folder")
        try FileManager.default.createDirectory(atPath: folder + "/etc", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let json = #"""
            {"fraudModel": "../models/m.json", "tracesRoot": "traces", "queueStore": {"dataDir": "q"},
             "security": {"secretFile": "/abs/secret"}}
            """#
        try Data(json.utf8).write(to: URL(fileURLWithPath: folder + "/etc/cluster.json"))
        let config = try ClusterConfig.load(path: folder + "/etc/cluster.json")
        let root = ConfigPaths.absolute(folder)
        #expect(config.fraudModel == root + "/models/m.json")
        #expect(config.tracesRoot == root + "/etc/traces")
        #expect(config.queueStore.dataDir == root + "/etc/q")
        #expect(config.security.secretFile == "/abs/secret")
    }

    @Test func aDNSNameIsAdvertisedAndTheServiceBindsEveryInterfaceOnItsPort() throws {
        var config = ClusterConfig()
        config.fraud.address = "fraud.bookstore.svc:9102"
        let settings = try resolve("fraud", config: config)
        #expect(settings.listen == ListenAddress(host: "0.0.0.0", port: 9102))
        #expect(settings.config.fraud.address == "fraud.bookstore.svc:9102")
        #expect(try resolve("queue").listen == ListenAddress(host: "127.0.0.1", port: 9104))
    }

    @Test func theEnvironmentSetsTheNodesAddressesRunAndDirectories() throws {
        let settings = try resolve(
            "executor",
            [
                "BOOKSTORE_NODE": "executor-2", "BOOKSTORE_LISTEN": ":9300", "BOOKSTORE_ADVERTISE": "10.9.0.12:9300",
                "BOOKSTORE_RUN_ID": "run-7", "BOOKSTORE_TRACES_DIR": "/var/traces", "BOOKSTORE_SECRET_FILE": "/s",
            ])
        #expect(settings.executorID == 2)
        #expect(settings.node == "executor-2")
        #expect(settings.listen == ListenAddress(host: "0.0.0.0", port: 9300))
        #expect(settings.config.executors.replica(2)?.address == "10.9.0.12:9300")
        #expect(settings.config.executors.replica(1)?.address == "127.0.0.1:9201")
        #expect(settings.tracesDirectory == "/var/traces/run-7")
        #expect(settings.config.security.secretFile == "/s")
        let queue = try resolve("queue", ["BOOKSTORE_DATA_DIR": "/data/q"])
        #expect(queue.dataDirectory == "/data/q")
        #expect(queue.tracesDirectory.hasSuffix("/manual"))
    }

    @Test func flagsWinOverTheEnvironmentAndTheConfigsRunIDIsShared() throws {
        var config = ClusterConfig()
        config.runID = "shared-run"
        let settings = try resolve(
            "orchestrator", listen: "127.0.0.1:18081", config: config, ["BOOKSTORE_LISTEN": ":1"])
        #expect(settings.listen == ListenAddress(host: "127.0.0.1", port: 18081))
        #expect(settings.runID == "shared-run")
        #expect(settings.tracesDirectory.hasSuffix("/shared-run"))
        #expect(try resolve("orchestrator", config: config, ["BOOKSTORE_RUN_ID": "other"]).runID == "other")
    }

    @Test func badEnvironmentValuesAreRefusedNamingTheVariable() {
        let cases: [(String, [String: String], String)] = [
            ("fraud", ["BOOKSTORE_LISTEN": "nowhere"], "$BOOKSTORE_LISTEN"),
            ("fraud", ["BOOKSTORE_LISTEN": ":99999"], "$BOOKSTORE_LISTEN"),
            ("fraud", ["BOOKSTORE_ADVERTISE": ":9102"], "$BOOKSTORE_ADVERTISE"),
            ("fraud", ["BOOKSTORE_ADVERTISE": "bad_host!:9102"], "$BOOKSTORE_ADVERTISE"),
            ("fraud", ["BOOKSTORE_RUN_ID": "../etc"], "$BOOKSTORE_RUN_ID"),
            ("fraud", ["BOOKSTORE_RUN_ID": "latest"], "$BOOKSTORE_RUN_ID"),
            ("fraud", ["BOOKSTORE_NODE": "queue"], "$BOOKSTORE_NODE"),
            ("fraud", ["BOOKSTORE_DATA_DIR": ""], "$BOOKSTORE_DATA_DIR"),
            ("fraud", ["BOOKSTORE_TRACES_DIR": "a\u{0}b"], "$BOOKSTORE_TRACES_DIR"),
            ("executor", ["BOOKSTORE_EXECUTOR_ID": "99999999999999999999"], "$BOOKSTORE_EXECUTOR_ID"),
            ("executor", ["BOOKSTORE_NODE": "executor-9"], "$BOOKSTORE_NODE"),
        ]
        for (service, environment, variable) in cases {
            let error = refusal(service, environment)
            #expect(error?.path == variable, "\(environment)")
        }
    }

    @Test func anExecutorNeedsOneIdThatAgreesWhereverItComesFrom() throws {
        #expect(refusal("executor", [:])?.reason.contains("--id") == true)
        #expect(refusal("executor", ["BOOKSTORE_EXECUTOR_ID": "1", "BOOKSTORE_NODE": "executor-3"]) != nil)
        #expect(try resolve("executor", id: 3, ["BOOKSTORE_NODE": "executor-3"]).executorID == 3)
        #expect(throws: ConfigError.self) { try resolve("executor", id: 7) }
    }

    @Test func aConfigFileWithAnUnusableAddressIsAClearError() throws {
        let path = temporaryPath("config") + ".json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"queue": {"id": "queue", "address": "queue host:80"}}"#.utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: ConfigError.self) { try ClusterConfig.load(path: path) }
        #expect(error.reason.contains("queue.address"))
    }

    @Test(arguments: ["deploy/cluster.json", "deploy/k8s/cluster.json"])
    func theContainerConfigsLoadAndEveryNodeBindsAllInterfacesOnItsAdvertisedPort(file: String) throws {
        let config = try ClusterConfig.load(path: packageRoot.appendingPathComponent(file).path)
        #expect(config.fraudModel == "/opt/bookstore/models/fraud-model.json")
        for service in ServiceRole.allCases.map(\.rawValue) + ["executor"] {
            let ids = service == "executor" ? config.executors.replicas.map(\.id) : [nil]
            for id in ids {
                let settings = try resolve(service, id: id, config: config)
                let advertised = try #require(ListenAddress(settings.config.allAdvertised[settings.node] ?? ""))
                #expect(!AddressText.isIPLiteral(advertised.host), "\(settings.node) is advertised by name")
                #expect(settings.listen == ListenAddress(host: "0.0.0.0", port: advertised.port))
            }
        }
    }
}
