import Foundation
import RPC

extension SecuritySettings {
    /// The name of the per-run secret file that `bookstore up` and `demo` write into the run directory.
    public static let runSecretFileName = "cluster.secret"

    /// The configured cluster credential: `BOOKSTORE_CLUSTER_SECRET`, else the file named by
    /// `BOOKSTORE_CLUSTER_SECRET_FILE`, else `secretFile`, else `<runDirectory>/cluster.secret` when that
    /// exists; nil when none is configured. Throws when a configured secret cannot be read or is invalid.
    public func credential(
        runDirectory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CredentialError) -> ClusterCredential? {
        if let fromEnvironment = try ClusterCredential.fromEnvironment(environment) { return fromEnvironment }
        if let secretFile, !secretFile.isEmpty { return try ClusterCredential.read(file: secretFile) }
        if let runDirectory {
            let path = (runDirectory as NSString).appendingPathComponent(Self.runSecretFileName)
            if FileManager.default.fileExists(atPath: path) { return try ClusterCredential.read(file: path) }
        }
        return nil
    }
}

extension ClusterConfig {
    /// Every node id whose clock entries and `x-sender` a server accepts: the services, the executors and the
    /// declared external nodes (`security.externalNodes`, such as the load generator).
    public var knownNodes: Set<String> {
        Set(ServiceRole.allCases.map { endpoint(of: $0).id })
            .union(executors.replicas.map(\.node))
            .union(security.externalNodes)
    }
}
