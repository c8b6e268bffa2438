import Foundation

/// Node ids → advertised `host:port`, read from a cluster config file, for the file export's `server.address` and
/// `server.port` (the services get the same map from their parsed config). Reads only the endpoints: `id` and
/// `address` of `orchestrator`, `verification`, `fraud`, `suggestions`, `queue`, and `executors.replicas`
/// (`executor-<id>`).
public enum NodeAddresses {
    /// The map of the config at `path`; throws when the file cannot be read or is not a JSON object.
    public static func load(configPath path: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard data.count <= 1 << 20, let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        var addresses: [String: String] = [:]
        for role in ["orchestrator", "verification", "fraud", "suggestions", "queue"] {
            guard let endpoint = root[role] as? [String: Any], let address = endpoint["address"] as? String else {
                continue
            }
            addresses[(endpoint["id"] as? String) ?? role] = address
        }
        let replicas = (root["executors"] as? [String: Any])?["replicas"] as? [[String: Any]] ?? []
        for replica in replicas {
            guard let id = replica["id"] as? Int, let address = replica["address"] as? String else { continue }
            addresses["executor-\(id)"] = address
        }
        return addresses
    }
}
