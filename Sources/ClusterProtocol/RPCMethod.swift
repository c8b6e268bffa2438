/// One JSON-RPC method of the cluster, declared once: its name, its params type and its result type.
///
/// The server registers its handler with the descriptor and the client calls through the same descriptor, so a
/// method's name and types cannot drift apart between the two ends.
public struct RPCMethod<Params: Codable & Sendable, Result: Codable & Sendable>: Sendable {
    /// The JSON-RPC method name (also the `/rpc/<name>` path).
    public let name: String

    public init(_ name: String) {
        self.name = name
    }
}
