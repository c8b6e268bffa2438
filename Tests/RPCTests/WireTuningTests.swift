import Causality
import Foundation
import Testing

@testable import RPC

/// How the RPC layer uses libcurl and libmicrohttpd per exchange: a parsed URL per connection, the metadata headers
/// read in one pass, the per-connection memory.
@Suite("Wire tuning")
struct WireTuningTests {
    @Test func oneConnectionGoingBackAndForthBetweenURLsReachesEachOne() throws {
        let pair = try TestPair(tracing: false)
        defer { pair.stop() }
        for round in 0..<3 {
            let sum = try pair.client.call("add", AddParams(a: round, b: 10), returning: Sum.self)
            #expect(sum.sum == round + 10)
            let echo = try pair.client.request("POST", "/echo?round=\(round)", body: Data("echo \(round)".utf8))
            #expect(echo.status == 200 && echo.body == Data("echo \(round)".utf8))
            let quotient = try pair.client.call("divide", AddParams(a: 12, b: round + 1), returning: Sum.self)
            #expect(quotient.sum == 12 / (round + 1))
            let missing = try pair.client.request("GET", "/nowhere")
            #expect(missing.status == 404)
        }
    }

    @Test func aURLThatDoesNotParseFailsThatCallAndTheConnectionStillServesTheNextOne() throws {
        let pair = try TestPair(tracing: false)
        defer { pair.stop() }
        let connection = CurlConnection()
        let good = "http://127.0.0.1:\(pair.server.port)/echo"
        for url in [good, "http://127.0.0.1:99999/echo", good] {
            let result = connection.perform(
                method: "POST", url: url, headers: [], body: Data("x".utf8), timeoutMilliseconds: 2000,
                connectTimeoutMilliseconds: 500)
            switch result {
            case .success(let exchange): #expect(url == good && exchange.status == 200)
            case .failure: #expect(url != good, "only the bad URL fails")
            }
        }
    }

    @Test func metadataHeadersAreMatchedInAnyCaseAndTheFirstOfARepeatedOneCounts() throws {
        let pair = try TestPair(tracing: false)
        defer { pair.stop() }
        let response = try rawRequest(
            port: pair.server.port, "/rpc/add",
            headers: [
                ("X-Message-ID", "first-1"), ("x-message-id", "second-2"), ("X-SENDER", "alpha"),
                ("X-Vector-Clock", #"{"alpha":5}"#),
            ],
            body: #"{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}}"#)
        #expect(response.status == 200)
        #expect(response.headers.first { $0.0 == WireHeader.messageID }?.1 == "first-1")
        let clock = try #require(response.headers.first { $0.0 == WireHeader.vectorClock }?.1)
        #expect(clock.contains(#""alpha":5"#), "the sender's clock was merged")
    }

    @Test func metadataAtEveryBoundOfThePermissivePolicyFitsTheConnectionMemoryAndMoreGets431() throws {
        let pair = try TestPair(tracing: false)
        defer { pair.stop() }
        let limits = AdmissionPolicy.permissive.clockLimits
        // The longest clock the policy admits: every entry, ids of the longest length, large counters.
        let entries = (0..<limits.maxEntries).map { index -> String in
            let suffix = String(index)
            let id = String(repeating: "n", count: WireClockLimits.maxNodeIDBytes - suffix.count) + suffix
            return "\"\(id)\":\(1 << 52)"
        }
        let clock = "{" + entries.joined(separator: ",") + "}"
        let body = #"{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}}"#
        let traceparent = "00-" + String(repeating: "a", count: 32) + "-" + String(repeating: "b", count: 16) + "-01"
        let headers = [
            (WireHeader.vectorClock, clock), (WireHeader.traceparent, traceparent),
            (WireHeader.messageID, String(repeating: "m", count: WireMetadata.maxMessageIDBytes)),
            (WireHeader.sender, String(repeating: "s", count: WireClockLimits.maxNodeIDBytes)),
            (WireHeader.deadline, "9999999999"),
            ("Authorization", "Bearer " + String(repeating: "k", count: ClusterCredential.maxHeaderBytes - 7)),
        ]
        let admitted = try rawRequest(port: pair.server.port, "/rpc/add", headers: headers, body: body)
        #expect(admitted.status == 200)
        let oversized =
            headers + [
                ("X-Padding", String(repeating: "p", count: RPCServer.Configuration.defaultConnectionMemoryBytes))
            ]
        let refused = try rawRequest(port: pair.server.port, "/rpc/add", headers: oversized, body: body)
        #expect(refused.status == 431)
    }
}
