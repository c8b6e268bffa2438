import Cluster
import Foundation
import RPC
import Services
import Testing

@Suite("Where a service finds the cluster credential")
struct ClusterCredentialConfigTests {
    @Test func environmentThenConfiguredFileThenRunDirectory() throws {
        let directory = temporaryPath("credential")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configured = ClusterCredential.generate()
        let run = ClusterCredential.generate()
        try configured.write(to: directory + "/configured.secret")
        try run.write(to: directory + "/" + SecuritySettings.runSecretFileName)
        var settings = SecuritySettings()

        #expect(try settings.credential(runDirectory: nil, environment: [:]) == nil)
        #expect(try settings.credential(runDirectory: directory, environment: [:]) == run)
        settings.secretFile = directory + "/configured.secret"
        #expect(try settings.credential(runDirectory: directory, environment: [:]) == configured)
        let fromEnvironment = try settings.credential(
            runDirectory: directory, environment: [ClusterCredential.secretEnvironment: "environment-secret-01"])
        #expect(fromEnvironment == (try ClusterCredential(secret: "environment-secret-01")))
        settings.secretFile = directory + "/missing.secret"
        #expect(throws: CredentialError.self) { try settings.credential(runDirectory: directory, environment: [:]) }
    }

    @Test func knownNodesAreTheServicesTheExecutorsAndTheDeclaredExternalNodes() {
        var config = ClusterConfig()
        config.security.externalNodes = ["load", "replay"]
        #expect(
            config.knownNodes == [
                "orchestrator", "verification", "fraud", "suggestions", "queue", "executor-1", "executor-2",
                "executor-3", "load", "replay",
            ])
    }

    /// (With a secret in the environment, the services use it instead of the process's own.)
    @Test func aServiceWithoutAConfiguredSecretRefusesOtherProcessesButServesItsOwn() throws {
        let cluster = try InProcessCluster(tracesDirectory: nil, roles: [.queue])
        defer { cluster.stop() }
        let body = Data(#"{"jsonrpc":"2.0","id":1,"params":{}}"#.utf8)
        let stranger = RPCClient(
            peer: "queue", baseURL: cluster.config.queue.url, recorder: .init(node: "x", writer: nil),
            logger: quietLogger, propagatesContext: false, credential: ClusterCredential.generate())
        #expect(try stranger.request("POST", "/rpc/inspect", body: body).status == 401)
        let sameProcess = RPCClient(
            peer: "queue", baseURL: cluster.config.queue.url, recorder: .init(node: "x", writer: nil),
            logger: quietLogger, propagatesContext: false,
            credential: (try? ClusterCredential.fromEnvironment()) ?? ServiceHost.processCredential)
        #expect(try sameProcess.request("POST", "/rpc/inspect", body: body).status == 200)
    }
}
