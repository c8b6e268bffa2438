import Foundation
import Logging
import RPC
import Services
import Synchronization

/// A whole cluster of real processes on free loopback ports, with its config written to a file and its traces in
/// a fresh run directory: what tests and benchmarks start (`bookstore up` uses the configured addresses instead).
public struct LocalCluster: Sendable {
    public let supervisor: ClusterSupervisor
    public let config: ClusterConfig
    public let configPath: String
    public let run: RunDirectory

    /// The credential of this cluster's internal RPCs.
    public var credential: ClusterCredential { supervisor.credential }

    /// Writes a config with every service and executor on a free loopback port (adjusted by `configure`) to
    /// `<root>/cluster.json`, starts every process of `executable`, and waits until all answer `/healthz`.
    public static func launch(
        executable: String, root: String, runID: String = "run", logger: Logger,
        configure: (inout ClusterConfig) -> Void = { _ in }
    ) throws -> LocalCluster {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var config = freePortConfig()
        let run = try RunDirectory.create(root: root, runID: runID)
        // A secret for this cluster alone, named in its config so that every tool given the config can speak.
        let secretPath = (run.path as NSString).appendingPathComponent(SecuritySettings.runSecretFileName)
        try ClusterCredential.generate().write(to: secretPath)
        config.security.secretFile = secretPath
        configure(&config)
        // The file's relative paths would be read against its folder: write them absolute (from here).
        config = config.resolvingPaths(against: FileManager.default.currentDirectoryPath)
        let configPath = (root as NSString).appendingPathComponent("cluster.json")
        try JSONEncoder().encode(config).write(to: URL(fileURLWithPath: configPath))
        let supervisor = ClusterSupervisor(
            executable: executable, config: config, configPath: configPath, run: run, logger: logger)
        do {
            try supervisor.start()
            try supervisor.waitUntilHealthy(timeout: .seconds(30))
        } catch {
            supervisor.stop()
            throw error
        }
        return LocalCluster(supervisor: supervisor, config: config, configPath: configPath, run: run)
    }

    /// The default config with every service and executor on a free loopback port.
    public static func freePortConfig() -> ClusterConfig {
        var config = ClusterConfig()
        for role in ServiceRole.allCases { config.set(role, address: "127.0.0.1:\(LoopbackPort.free())") }
        for index in config.executors.replicas.indices {
            config.executors.replicas[index].address = "127.0.0.1:\(LoopbackPort.free())"
        }
        return config
    }
}

/// Loopback ports.
public enum LoopbackPort {
    private static let handedOut = Mutex(Set<Int>())

    /// A port on 127.0.0.1 that is free now and was not handed out before by this process. Picked below the
    /// kernel's ephemeral range (32768 and up), so that no outgoing connection's local port takes it before the
    /// service binds it; tests start many clusters at once, and two services sharing a port would answer for each
    /// other.
    public static func free() -> Int {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let port = Int.random(in: 20_000..<32_000, using: &generator)
            let fresh = handedOut.withLock { $0.insert(port).inserted }
            if fresh && canBind(port) { return port }
        }
        return 0
    }

    private static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
