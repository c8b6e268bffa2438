import Foundation
import Synchronization
import Testing

@testable import RPC

@Suite("JSON-RPC round trips over loopback")
struct RPCRoundTripTests {
    @Test func typedCallReturnsTypedResult() throws {
        let pair = try TestPair()
        let result = try pair.client.call("add", AddParams(a: 2, b: 40), returning: Sum.self)
        #expect(result == Sum(sum: 42))
    }

    @Test func preEncodedParamsAreSentAsTheyAre() throws {
        let pair = try TestPair()
        let params = Data(#"{"b": 40, "a": 2, "extra": [1, 2]}"#.utf8)
        #expect(try pair.client.call("add", encodedParams: params, returning: Sum.self) == Sum(sum: 42))
        let error = try #require(throws: RPCCallError.self) {
            try pair.client.call("add", encodedParams: Data(#"{"a": 1}"#.utf8), returning: Sum.self)
        }
        guard case .remote(let remote) = error.kind else {
            Issue.record("expected a remote error, got \(error)")
            return
        }
        #expect(remote.knownCode == .invalidParams)
    }

    @Test func handlerErrorArrivesAsTypedRemoteError() throws {
        let pair = try TestPair()
        let error = try #require(throws: RPCCallError.self) {
            try pair.client.call("divide", AddParams(a: 1, b: 0), returning: Sum.self)
        }
        guard case .remote(let remote) = error.kind else {
            Issue.record("expected a remote error, got \(error)")
            return
        }
        #expect(remote.knownCode == .application)
        #expect(remote.data?.reason == "division_by_zero")
        #expect(remote.data?.traceID?.count == 32)
        #expect(error.peer == "beta" && error.method == "divide")
    }

    @Test func handlerSleepingPastTheDeadlineGivesDeadlineExceeded() throws {
        let pair = try TestPair()
        let started = ContinuousClock.now
        let error = try #require(throws: RPCCallError.self) {
            try pair.client.call(
                "sleep", SleepParams(milliseconds: 800), returning: Empty.self, deadline: .milliseconds(100))
        }
        let elapsed = ContinuousClock.now - started
        #expect(error.kind == .deadlineExceeded)
        #expect(error.code == .deadlineExceeded)
        #expect(elapsed < .milliseconds(600), "the call must end at its deadline, took \(elapsed)")
        #expect(error.description.contains("beta.sleep"))
    }

    @Test func nobodyListeningGivesUnavailableNamingPeerAndMethod() throws {
        let pair = try TestPair()
        let client = RPCClient(
            peer: "ghost", baseURL: "http://127.0.0.1:\(closedPort())", recorder: pair.clientRecorder,
            logger: pair.client.logger)
        let error = try #require(throws: RPCCallError.self) {
            try client.call("add", AddParams(a: 1, b: 1), returning: Sum.self, deadline: .seconds(1))
        }
        guard case .unavailable = error.kind else {
            Issue.record("expected unavailable, got \(error)")
            return
        }
        #expect(error.peer == "ghost" && error.method == "add")
    }

    @Test func oversizedBodyGets413WithJSONError() throws {
        let pair = try TestPair(maximumBodyBytes: 64 * 1024)
        let big = Data(repeating: UInt8(ascii: "x"), count: 200 * 1024)
        let response = try pair.client.request("POST", "/rpc/add", body: big)
        #expect(response.status == 413)
        let failure = try JSONDecoder().decode(JSONRPCFailure.self, from: response.body)
        #expect(failure.error.knownCode == .payloadTooLarge)
        let plain = try pair.client.request("POST", "/echo", body: big)
        #expect(plain.status == 413)
        let body = try JSONDecoder().decode(ErrorBody.self, from: plain.body)
        #expect(body.error.code == "payload_too_large")
    }

    @Test func malformedJSONGets400ParseError() throws {
        let pair = try TestPair()
        let response = try pair.client.request("POST", "/rpc/add", body: Data("{\"params\": {not json".utf8))
        #expect(response.status == 400)
        let failure = try JSONDecoder().decode(JSONRPCFailure.self, from: response.body)
        #expect(failure.error.knownCode == .parseError)
        let generic = try pair.client.request("POST", "/rpc", body: Data("][".utf8))
        #expect(generic.status == 400)
        #expect(try JSONDecoder().decode(JSONRPCFailure.self, from: generic.body).error.knownCode == .parseError)
    }

    @Test func wrongParamsGet400NamingTheField() throws {
        let pair = try TestPair()
        let body = Data(#"{"jsonrpc":"2.0","id":7,"method":"add","params":{"a":"two","b":1}}"#.utf8)
        let response = try pair.client.request("POST", "/rpc/add", body: body)
        #expect(response.status == 400)
        let failure = try JSONDecoder().decode(JSONRPCFailure.self, from: response.body)
        #expect(failure.error.knownCode == .invalidParams)
        #expect(failure.error.message.contains("params.a"), "message: \(failure.error.message)")
    }

    @Test func unknownMethodGetsMethodNotFound() throws {
        let pair = try TestPair()
        let error = try #require(throws: RPCCallError.self) {
            try pair.client.call("nope", Empty(), returning: Empty.self)
        }
        guard case .remote(let remote) = error.kind else {
            Issue.record("expected remote error, got \(error)")
            return
        }
        #expect(remote.knownCode == .methodNotFound)
    }

    @Test func genericEndpointRoutesByMethodField() throws {
        let pair = try TestPair()
        let body = Data(#"{"jsonrpc":"2.0","id":"x1","method":"add","params":{"a":1,"b":2}}"#.utf8)
        let response = try pair.client.request("POST", "/rpc", body: body)
        #expect(response.status == 200)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains(#""result":{"sum":3}"#) && text.contains(#""id":"x1""#), "\(text)")
    }

    @Test func internalErrorHidesTheCauseAndGivesAnErrorID() throws {
        let pair = try TestPair()
        let error = try #require(throws: RPCCallError.self) {
            try pair.client.call("crash", Empty(), returning: Empty.self)
        }
        guard case .remote(let remote) = error.kind else {
            Issue.record("expected remote error, got \(error)")
            return
        }
        #expect(remote.knownCode == .internalError)
        #expect(remote.data?.errorID?.isEmpty == false)
        #expect(!remote.message.contains("CocoaError") && !remote.message.contains("corrupt"))
    }

    @Test func plainRouteAcceptsTextPlainBody() throws {
        let pair = try TestPair()
        let payload = Data(#"{"hello":"world"}"#.utf8)
        let response = try pair.client.request(
            "POST", "/echo", body: payload, headers: [("Content-Type", "text/plain;charset=UTF-8")])
        #expect(response.status == 200)
        #expect(response.body == payload)
        let missing = try pair.client.request("GET", "/nowhere")
        #expect(missing.status == 404)
        #expect(try JSONDecoder().decode(ErrorBody.self, from: missing.body).error.code == "method_not_found")
        let wrongMethod = try pair.client.request("GET", "/echo")
        #expect(wrongMethod.status == 405)
    }

    @Test func manyThreadsShareOneClient() throws {
        let pair = try TestPair()
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<100 {
                do {
                    let sum = try pair.client.call("add", AddParams(a: thread, b: index), returning: Sum.self)
                    if sum.sum != thread + index { failures.add("wrong sum \(sum.sum)") }
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(3))")
    }

    @Test func asyncCallWorks() async throws {
        let pair = try TestPair()
        async let first = pair.client.call("add", AddParams(a: 1, b: 2), returning: Sum.self)
        async let second = pair.client.call("add", AddParams(a: 3, b: 4), returning: Sum.self)
        let results = try await [first, second]
        #expect(results == [Sum(sum: 3), Sum(sum: 7)])
    }
}

final class Failures: Sendable {
    private let items = Mutex<[String]>([])
    func add(_ item: String) { items.withLock { $0.append(item) } }
    var all: [String] { items.withLock { $0 } }
}
