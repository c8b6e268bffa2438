import Checkout
import ClusterProtocol
import Foundation
import RPC
import Services
import Testing
import TraceFormat

/// The typed RPC path with the byte-level codecs against the same handler on Foundation's path: the same status,
/// the same result and the same error (code and message) for well-formed, odd and broken request bodies.
@Suite("Typed RPC: byte-level codecs against Foundation")
struct WireRPCTests {
    /// `OrderEnvelope` and `VerificationResult` without fast codecs (the same JSON shape).
    struct SlowEnvelope: Codable, Sendable {
        var orderId: String
        var order: CheckoutRequest
    }

    struct SlowResult: Codable, Sendable {
        var valid: Bool
        var failures: [Finding]
    }

    private static let bodies: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{"orderId":"o-1","order":{"items":[{"name":"Dune","quantity":1}]}}}"#,
        #"{"params":{"order":{},"orderId":"o-2"},"id":"abc","jsonrpc":"2.0"}"#,
        #" { "jsonrpc" : "2.0" , "id" : 7 , "params" : { "orderId" : "\u006f-3" , "order" : { "user" : null } } } "#,
        #"{"jsonrpc":"2.0","id":8,"params":{"orderId":"a","orderId":"b","order":{}},"params":{"orderId":"c"}}"#,
        #"{"jsonrpc":"1.0","id":2,"params":{"orderId":"o","order":{}}}"#,
        #"{"jsonrpc":"2.0","id":3}"#,
        #"{"jsonrpc":"2.0","id":3,"params":null}"#,
        #"{"jsonrpc":"2.0","id":4,"params":{"orderId":5,"order":{}}}"#,
        #"{"jsonrpc":"2.0","id":true,"params":{"orderId":"o","order":{}}}"#,
        #"{"jsonrpc":"2.0","id":1.0,"params":{"orderId":"o","order":{}}}"#,
        #"{"jsonrpc":"2.0","id":null,"params":{"orderId":"o","order":{}}}"#,
        #"{"jsonrpc":"2.0","id":5,"params":{"orderId":"o","order":{"items":[{"quantity":1e300}]}}}"#,
        #"{"jsonrpc":"2.0","id":6,"params":{"orderId":"o","order":{},}}"#,
        #"{"jsonrpc":"2.0","id":6,"params":{"orderId":"o","order":{}}"#,
        #"{"jsonrpc":"2.0","params":{"orderId":"o","order":{}}}"#,
        #"[1,2]"#, "", "null",
    ]

    @Test("every body gets the same reply from the fast path as from Foundation's")
    func sameRepliesAsFoundation() throws {
        let verifier = TransactionVerifier()
        let today = CalendarDate(year: 2026, month: 6)
        var router = Router()
        router.register(VerificationRPC.verify) { envelope, _ in verifier.verify(envelope.order, today: today) }
        router.register("verify-slow", SlowEnvelope.self) { envelope, _ -> SlowResult in
            let result = verifier.verify(envelope.order, today: today)
            return SlowResult(valid: result.valid, failures: result.failures)
        }
        let server = RPCServer(
            configuration: .init(port: 0, threads: 2), router: router,
            recorder: TraceRecorder(node: "server", writer: nil), logger: quietLogger)
        try server.start()
        defer { server.stop() }
        let client = RPCClient(
            peer: "server", baseURL: "http://127.0.0.1:\(server.port)",
            recorder: TraceRecorder(node: "client", writer: nil), logger: quietLogger, defaultDeadline: .seconds(5))
        for body in Self.bodies {
            let fast = try client.request("POST", "/rpc/verify", body: Data(body.utf8))
            let slow = try client.request("POST", "/rpc/verify-slow", body: Data(body.utf8))
            #expect(fast.status == slow.status, "\(body)")
            #expect(Self.normalized(fast.body) == Self.normalized(slow.body), "\(body)")
        }
    }

    /// The reply as a comparable value: the method's name made alike, the trace id dropped.
    private static func normalized(_ body: Data) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return String(decoding: body, as: UTF8.self)
        }
        if var error = object["error"] as? [String: Any] {
            error["data"] = nil
            error["message"] = (error["message"] as? String)?.replacingOccurrences(of: "verify-slow", with: "verify")
            object["error"] = error
        }
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
