/// One JSON-RPC method of the cluster, declared once: its name, its params type and its result type.
///
/// The server registers its handler with the descriptor and the client calls through the same descriptor, so a
/// method's name and types cannot drift apart between the two ends (`Router.register(_:handler:)` and
/// `RPCClient.call(_:_:context:deadline:)` in Services). Every method of the cluster is declared once in this
/// target, grouped by service, each service's file holding its descriptors and the messages of its methods:
/// `QueueRPC` (Queue/QueueRPC.swift), `ExecutorRPC` (Executor/ExecutorRPC.swift), `VerificationRPC`, `FraudRPC`
/// and `SuggestionsRPC` (CheckoutServicesRPC.swift, their messages in Checkout). A method's name is its
/// `/rpc/<name>` path, so names are unique within a service.
public struct RPCMethod<Params: Codable & Sendable, Result: Codable & Sendable>: Sendable {
    /// The JSON-RPC method name (also the `/rpc/<name>` path).
    public let name: String

    public init(_ name: String) {
        self.name = name
    }
}
