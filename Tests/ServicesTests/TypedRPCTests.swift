import Checkout
import ClusterProtocol
import Foundation
import RPC
import Services
import Testing
import TraceFormat

/// The typed overloads: a handler registered with a descriptor answers calls made through the same descriptor.
@Suite("Typed RPC descriptors")
struct TypedRPCTests {
    /// A server with `register`'s methods on a free loopback port, and a client of it.
    private func withServer(
        _ register: (inout Router) -> Void, _ body: (RPCClient) async throws -> Void
    ) async throws {
        var router = Router()
        register(&router)
        let server = RPCServer(
            configuration: .init(port: 0, threads: 2), router: router,
            recorder: TraceRecorder(node: "server", writer: nil), logger: quietLogger)
        try server.start()
        defer { server.stop() }
        let client = RPCClient(
            peer: "server", baseURL: "http://127.0.0.1:\(server.port)",
            recorder: TraceRecorder(node: "client", writer: nil), logger: quietLogger, defaultDeadline: .seconds(5))
        try await body(client)
    }

    private var order: CheckoutRequest {
        CheckoutRequest(
            user: .init(name: "Ann Lee", contact: "ann@example.com"),
            creditCard: .init(number: "4111111111111111", expirationDate: "12/99", cvv: "123"),
            items: [.init(name: "Dune", quantity: 1)])
    }

    @Test("verification answers through its descriptor: typed params, pre-encoded params, sync and async")
    func verificationThroughItsDescriptor() async throws {
        try await withServer({ VerificationService().register(into: &$0) }) { client in
            let envelope = OrderEnvelope(orderId: "o-1", order: order)
            let (typed, encoded) = try Self.blockingCalls(client, envelope)
            let awaited = try await client.call(VerificationRPC.verify, envelope)
            #expect(typed == encoded && typed == awaited)
            let broken = try await client.call(
                VerificationRPC.verify, OrderEnvelope(orderId: "o-2", order: CheckoutRequest()))
            #expect(!broken.valid && !broken.failures.isEmpty, "an empty order fails verification")
        }
    }

    /// The blocking forms (called from a synchronous function, so the async overload is not chosen).
    private static func blockingCalls(
        _ client: RPCClient, _ envelope: OrderEnvelope
    ) throws -> (typed: VerificationResult, encoded: VerificationResult) {
        let typed = try client.call(VerificationRPC.verify, envelope)
        let encoded = try client.call(VerificationRPC.verify, encodedParams: try JSONEncoder().encode(envelope))
        return (typed, encoded)
    }

    @Test("a descriptor's name is the method's path: a raw request to /rpc/<name> reaches the typed handler")
    func nameIsThePath() async throws {
        let echo = RPCMethod<SuggestionRequest, NoPayload>("echo-count")
        try await withServer({ router in
            router.register(echo) { request, _ in
                guard request.count == 7 else { throw RPCError(.invalidParams, "count must be 7") }
                return NoPayload()
            }
        }) { client in
            let ok = #"{"jsonrpc":"2.0","id":1,"params":{"orderId":"o","orderedTitles":[],"count":7}}"#
            #expect(try client.request("POST", "/rpc/\(echo.name)", body: Data(ok.utf8)).status == 200)
            let wrong = #"{"jsonrpc":"2.0","id":2,"params":{"orderId":"o","orderedTitles":[],"count":1}}"#
            #expect(try client.request("POST", "/rpc/\(echo.name)", body: Data(wrong.utf8)).status != 200)
            await #expect(throws: RPCCallError.self) {
                try await client.call(echo, SuggestionRequest(orderId: "o", orderedTitles: [], count: 1))
            }
            let answer = try await client.call(echo, SuggestionRequest(orderId: "o", orderedTitles: [], count: 7))
            #expect(answer == NoPayload())
        }
    }
}
