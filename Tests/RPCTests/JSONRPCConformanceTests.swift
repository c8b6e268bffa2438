import Foundation
import Testing

@testable import RPC

private func json(_ response: HTTPResponse) throws -> Any {
    try JSONSerialization.jsonObject(with: response.body)
}

@Suite("JSON-RPC 2.0 as written")
struct JSONRPCConformanceTests {
    @Test func missingOrWrongVersionIsAnInvalidRequestCarryingTheID() throws {
        let pair = try TestPair()
        for (path, body) in [
            ("/rpc/add", #"{"id":41,"method":"add","params":{"a":1,"b":2}}"#),
            ("/rpc", #"{"jsonrpc":"1.0","id":41,"method":"add","params":{"a":1,"b":2}}"#),
        ] {
            let response = try pair.client.request("POST", path, body: Data(body.utf8))
            #expect(response.status == 400)
            let failure = try JSONDecoder().decode(JSONRPCFailure.self, from: response.body)
            #expect(failure.error.knownCode == .invalidRequest)
            #expect(failure.id == .number(41))
        }
    }

    @Test func anIDThatIsNeitherStringNorIntegerIsAnInvalidRequest() throws {
        let pair = try TestPair()
        for id in ["1.5", "true", "{}"] {
            let response = try pair.client.request(
                "POST", "/rpc/add", body: Data(#"{"jsonrpc":"2.0","id":\#(id),"params":{"a":1,"b":2}}"#.utf8))
            #expect(response.status == 400)
            #expect(
                try JSONDecoder().decode(JSONRPCFailure.self, from: response.body).error.knownCode == .invalidRequest)
        }
    }

    @Test func errorRepliesCarryTheRequestID() throws {
        let pair = try TestPair()
        let unknown = try pair.client.request(
            "POST", "/rpc", body: Data(#"{"jsonrpc":"2.0","id":"q7","method":"nope","params":{}}"#.utf8))
        #expect(try JSONDecoder().decode(JSONRPCFailure.self, from: unknown.body).id == .string("q7"))
        let badParams = try pair.client.request(
            "POST", "/rpc/add", body: Data(#"{"jsonrpc":"2.0","id":8,"params":{"a":"x","b":1}}"#.utf8))
        #expect(try JSONDecoder().decode(JSONRPCFailure.self, from: badParams.body).id == .number(8))
    }

    @Test func everyJSONReplyHasAJSONContentType() throws {
        let pair = try TestPair()
        let ok = try pair.client.request(
            "POST", "/rpc/add", body: Data(#"{"jsonrpc":"2.0","id":1,"params":{"a":1,"b":2}}"#.utf8))
        let failed = try pair.client.request("POST", "/rpc", body: Data("{".utf8))
        for response in [ok, failed] {
            #expect(response.headers.contains { $0.0 == "content-type" && $0.1 == "application/json" })
        }
    }

    @Test func notificationGetsNoReplyBodyButRuns() throws {
        let pair = try TestPair()
        let response = try pair.client.request(
            "POST", "/rpc", body: Data(#"{"jsonrpc":"2.0","method":"add","params":{"a":1,"b":2}}"#.utf8))
        #expect(response.status == 204)
        #expect(response.body.isEmpty)
        let failing = try pair.client.request(
            "POST", "/rpc/divide", body: Data(#"{"jsonrpc":"2.0","params":{"a":1,"b":0}}"#.utf8))
        #expect(failing.status == 204 && failing.body.isEmpty)
    }

    @Test func batchDispatchesEveryElementAndAnswersAllButNotifications() throws {
        let pair = try TestPair()
        let batch = """
            [{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}},
             {"jsonrpc":"2.0","method":"add","params":{"a":5,"b":5}},
             {"jsonrpc":"2.0","id":"d","method":"divide","params":{"a":1,"b":0}},
             {"id":4,"method":"add","params":{"a":1,"b":1}},
             {"jsonrpc":"2.0","id":5,"method":"nope"}, 17]
            """
        let response = try pair.client.request("POST", "/rpc", body: Data(batch.utf8))
        #expect(response.status == 200)
        let replies = try #require(try json(response) as? [[String: Any]])
        #expect(replies.count == 5)
        #expect((replies[0]["result"] as? [String: Any])?["sum"] as? Int == 3 && replies[0]["id"] as? Int == 1)
        #expect(replies[1]["id"] as? String == "d" && replies[1]["error"] != nil)
        #expect(replies[2]["id"] as? Int == 4 && (replies[2]["error"] as? [String: Any])?["code"] as? Int == -32600)
        #expect((replies[3]["error"] as? [String: Any])?["code"] as? Int == -32601)
        #expect(replies[4]["id"] is NSNull)
    }

    @Test func emptyOversizedOrUnparsableBatchGetsOneError() throws {
        let pair = try TestPair()
        let element = #"{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}}"#
        let oversized = "[" + Array(repeating: element, count: 33).joined(separator: ",") + "]"
        for (body, code) in [("[]", -32600), (" [ ] ", -32600), (oversized, -32600), ("[{]", -32700)] {
            let response = try pair.client.request("POST", "/rpc", body: Data(body.utf8))
            #expect(response.status == 400, "\(body.prefix(20))")
            let failure = try JSONDecoder().decode(JSONRPCFailure.self, from: response.body)
            #expect(failure.error.code == code && failure.id == .null)
        }
        let onlyNotifications = try pair.client.request(
            "POST", "/rpc", body: Data(#"[{"jsonrpc":"2.0","method":"add","params":{"a":1,"b":2}}]"#.utf8))
        #expect(onlyNotifications.status == 204 && onlyNotifications.body.isEmpty)
    }
}
