import Foundation
import FuzzSupport
import Logging
import TraceFormat

@testable import RPC

/// A JSON-RPC request body as a server reads it: the envelope head (when the method is not in the URL), then a
/// registered method's typed decoding, handler and reply. Any bytes, no crash; every reply is a JSON object
/// with `jsonrpc` and either `result` or `error`, and a 4xx/5xx status comes with an `error`.
struct Params: Codable, Sendable {
    var name: String
    var count: Int?
    var tags: [String]?
    var nested: [String: Double]?
}

struct Echo: Codable, Sendable {
    var name: String
    var total: Int
}

enum Fixture {
    static let recorder = TraceRecorder(node: "fuzz", writer: nil)
    static let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
    static let router: Router = {
        var router = Router()
        router.register("echo", Params.self) { params, _ in
            guard params.name != "refuse" else { throw RPCError(.application, "refused") }
            return Echo(name: params.name, total: (params.count ?? 0).clamped + (params.tags?.count ?? 0))
        }
        return router
    }()
    static let context = RequestContext(
        trace: TraceContext(traceID: String(repeating: "a", count: 32), spanID: String(repeating: "b", count: 16)),
        operation: "echo", peer: nil, deadlineNanos: nil, recorder: recorder, logger: logger)
}

extension Int {
    fileprivate var clamped: Int { Swift.min(Swift.max(self, -1_000_000), 1_000_000) }
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let body = Data(FuzzDriver.bytes(start, count))
    _ = try? JSONCoding.decoder.decode(JSONRPCRequestHead.self, from: body)
    guard let handler = Fixture.router.methods["echo"] else { FuzzDriver.fail("echo is not registered") }
    let outcome = handler(body, Fixture.context)
    guard (200...599).contains(outcome.status) else { FuzzDriver.fail("status \(outcome.status)") }
    guard let reply = try? JSONSerialization.jsonObject(with: outcome.body) as? [String: Any] else {
        FuzzDriver.fail("reply is not a JSON object: \(String(decoding: outcome.body, as: UTF8.self))")
    }
    guard reply["jsonrpc"] as? String == "2.0", (reply["result"] == nil) != (reply["error"] == nil) else {
        FuzzDriver.fail("reply is not a JSON-RPC 2.0 reply: \(reply)")
    }
    if outcome.status >= 400 && reply["error"] == nil { FuzzDriver.fail("error status without an error") }
    return 0
}

@_cdecl("FuzzJSONRPCEnvelope_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc: argc, argv: argv, test: testOneInput)
}
