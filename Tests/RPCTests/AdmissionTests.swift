import Causality
import Foundation
import Logging
import Testing
import TraceFormat

@testable import RPC

/// A server that requires a credential and knows only the nodes `alpha` and `beta`.
private func guardedPair() throws -> (TestPair, ClusterCredential) {
    let credential = try ClusterCredential(secret: "test-secret-0123456789abcdef")
    let pair = try TestPair { router in
        router.admission = .cluster(credential: credential, knownNodes: ["alpha", "beta"], maxClockEntries: 4)
    }
    return (pair, credential)
}

private func authenticatedClient(_ pair: TestPair, _ credential: ClusterCredential) -> RPCClient {
    RPCClient(
        peer: "beta", baseURL: "http://127.0.0.1:\(pair.server.port)", recorder: pair.clientRecorder,
        logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, credential: credential)
}

private func errorCode(_ response: HTTPResponse) throws -> Int {
    try JSONDecoder().decode(JSONRPCFailure.self, from: response.body).error.code
}

@Suite("Who may speak and what metadata is admitted")
struct AdmissionTests {
    @Test func internalRPCWithoutTheCredentialGets401AndLeavesNoProtocolEvent() throws {
        let (pair, credential) = try guardedPair()
        let body = Data(#"{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}}"#.utf8)
        let missing = try pair.client.request("POST", "/rpc/add", body: body)
        let wrong = try pair.client.request(
            "POST", "/rpc", body: body, headers: [("Authorization", "Bearer test-secret-0123456789abcdeX")])
        for response in [missing, wrong] {
            #expect(response.status == 401)
            #expect(try errorCode(response) == RPCErrorCode.unauthorized.rawValue)
            #expect(response.headers.contains { $0.0 == "content-type" && $0.1 == "application/json" })
        }
        let sum = try authenticatedClient(pair, credential).call("add", AddParams(a: 1, b: 2), returning: Sum.self)
        #expect(sum.sum == 3)
        pair.stop()
        let beta = try pair.events(of: "beta")
        #expect(beta.filter { $0.kind == .rpcReceive }.count == 1, "only the authenticated call is a message")
    }

    @Test func outOfBoundsClockIsRefusedBeforeItReachesTheClock() throws {
        let (pair, credential) = try guardedPair()
        let body = #"{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}}"#
        let hostile = [
            #"{"alpha":18446744073709551615}"#, #"{"alpha":99999999999999999999999}"#, #"{"mallory":1}"#,
            #"{"alpha":1,"beta":1,"a":1,"b":1,"c":1}"#, #"{"alpha":1"#, #"{"alpha":1,"alpha":2}"#,
            "{" + String(repeating: #""alpha":1,"#, count: 1000) + #""beta":1}"#,
        ]
        for clock in hostile {
            let response = try rawRequest(
                port: pair.server.port, "/rpc/add",
                headers: [credential.authorizationHeader, (WireHeader.vectorClock, clock)],
                body: body)
            #expect(response.status == 400, "\(clock.prefix(60))")
            #expect(try errorCode(response) == RPCErrorCode.invalidRequest.rawValue)
        }
        #expect(pair.serverRecorder.clock["alpha"] < 1 << 53)
        #expect(pair.serverRecorder.clock.entries.keys.allSatisfy { ["alpha", "beta"].contains($0) })
        // The same clock within bounds is merged.
        let fine = try rawRequest(
            port: pair.server.port, "/rpc/add",
            headers: [credential.authorizationHeader, (WireHeader.vectorClock, #"{"alpha":77}"#)], body: body)
        #expect(fine.status == 200)
        #expect(pair.serverRecorder.clock["alpha"] == 77)
    }

    @Test func malformedMessageIDSenderOrDeadlineIsRefused() throws {
        let (pair, credential) = try guardedPair()
        let body = #"{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}}"#
        let hostile: [(String, String)] = [
            (WireHeader.messageID, String(repeating: "m", count: 200)), (WireHeader.messageID, "a b"),
            (WireHeader.sender, "mallory"), (WireHeader.sender, "alpha/x"), (WireHeader.deadline, "-5"),
            (WireHeader.deadline, "99999999999999999999"),
        ]
        for header in hostile {
            let response = try rawRequest(
                port: pair.server.port, "/rpc/add", headers: [credential.authorizationHeader, header], body: body)
            #expect(response.status == 400, "\(header)")
            #expect(try errorCode(response) == RPCErrorCode.invalidRequest.rawValue)
        }
    }

    @Test func unauthenticatedCallerOnAPlainRouteHasItsTraceMetadataIgnored() throws {
        let (pair, _) = try guardedPair()
        let outsider = RPCClient(
            peer: "beta", baseURL: "http://127.0.0.1:\(pair.server.port)", recorder: pair.clientRecorder,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let response = try outsider.request("POST", "/echo", body: Data("{}".utf8))
        #expect(response.status == 200)
        #expect(response.headers.allSatisfy { $0.0 != WireHeader.messageID }, "no message id is echoed")
        pair.stop()
        let receiveEvent = try #require(try pair.events(of: "beta").first { $0.kind == .rpcReceive })
        let receive = try receiveEvent.decodePayload(RPCReceive.self)
        #expect(receive.msg == nil && receive.peer == nil)
        #expect(receiveEvent.clock["alpha"] == 0, "the outsider's clock was not merged")
        let reply = try #require(try pair.events(of: "alpha").first { $0.kind == .rpcReplyReceive })
        #expect(try reply.decodePayload(RPCReplyReceive.self).msg == nil, "the client does not pair a reply the server did not take as a message")
    }

    @Test func onlyAnAuthenticatedCallersValidTraceparentIsAdopted() throws {
        let (pair, credential) = try guardedPair()
        let valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        func traceID(_ headers: [(String, String)]) throws -> String? {
            let response = try rawRequest(port: pair.server.port, "/echo", headers: headers, body: "{}")
            #expect(response.status == 200)
            return response.headers.first { $0.0 == "traceparent" }.flatMap { TraceContext(traceparent: $0.1) }?.traceID
        }
        #expect(
            try traceID([credential.authorizationHeader, ("traceparent", valid)]) == "0af7651916cd43dd8448eb211c80319c")
        let outsider = try traceID([("traceparent", valid)])
        #expect(outsider != nil && outsider != "0af7651916cd43dd8448eb211c80319c", "an outsider starts a new trace")
        let long = try traceID([
            credential.authorizationHeader,
            ("traceparent", "01" + valid.dropFirst(2) + "-" + String(repeating: "a", count: 400)),
        ])
        #expect(long != nil && long != "0af7651916cd43dd8448eb211c80319c", "an over-long traceparent is ignored")
        let malformed = try traceID([credential.authorizationHeader, ("traceparent", "00-zz-b7ad6b7169203331-01")])
        #expect(malformed != nil)
    }
}
