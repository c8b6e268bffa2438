import Causality
import Foundation
import Logging
import Testing
import TraceFormat

@testable import RPC

/// Params Foundation cannot encode (JSON has no NaN).
private struct Unencodable: Codable, Sendable {
    var value = Double.nan
}

@Suite("Concurrent calls on one thread (libcurl multi)")
struct ConcurrentCallTests {
    /// What a call left in one node's trace, without what differs from call to call (ids, clocks, durations).
    private static func shape(of events: [TraceEvent], trace: String) -> [String] {
        events.filter { $0.traceID == trace }.map { event in
            let message =
                event.payload(RPCSend.self)?.message ?? event.payload(RPCReceive.self)?.message
                ?? event.payload(RPCReplySend.self)?.message ?? event.payload(RPCReplyReceive.self)?.message
                ?? event.payload(RPCFailure.self)?.message
            let outcome = event.payload(RPCReplySend.self)?.outcome ?? event.payload(RPCReplyReceive.self)?.outcome
            let failure = event.payload(RPCFailure.self)
            return [
                event.node, event.kind.rawValue, message?.peer ?? "-", message?.method ?? "-",
                message?.msg == nil ? "no-msg" : "msg", outcome?.status ?? failure?.status ?? "-",
                outcome?.httpStatus.map(String.init) ?? "-",
            ].joined(separator: " ")
        }.sorted()
    }

    @Test func resultsAndTraceEventsMatchThoseOfSingleCalls() throws {
        let pair = try TestPair()
        let single = TraceContext.newTrace()
        let singles = (
            Result { try pair.client.call("add", AddParams(a: 2, b: 40), returning: Sum.self, context: single) },
            Result { try pair.client.call("divide", AddParams(a: 1, b: 0), returning: Sum.self, context: single) },
            Result {
                try pair.client.call(
                    "add", encodedParams: Data(#"{"a":5,"b":6}"#.utf8), returning: Sum.self, context: single)
            }
        )
        let together = TraceContext.newTrace()
        let (sum, quotient, encoded) = RPCClient.callConcurrently(
            pair.client.prepareCall("add", AddParams(a: 2, b: 40), returning: Sum.self, context: together),
            pair.client.prepareCall("divide", AddParams(a: 1, b: 0), returning: Sum.self, context: together),
            pair.client.prepareCall(
                "add", encodedParams: Data(#"{"a":5,"b":6}"#.utf8), returning: Sum.self, context: together))
        #expect(try sum.get() == singles.0.get())
        #expect(try encoded.get() == singles.2.get())
        #expect(try sum.get() == Sum(sum: 42) && encoded.get() == Sum(sum: 11))
        let remote = { (result: Result<Sum, RPCCallError>) -> RPCError? in
            guard case .failure(let error) = result, case .remote(let remote) = error.kind else { return nil }
            return remote
        }
        let singleError = singles.1.mapError { $0 as! RPCCallError }
        #expect(remote(quotient)?.code == remote(singleError)?.code)
        #expect(remote(quotient)?.data?.reason == "division_by_zero")
        pair.stop()

        for node in ["alpha", "beta"] {
            let events = try pair.events(of: node)
            let expected = Self.shape(of: events, trace: single.traceID)
            #expect(expected.count == 6, "\(node): \(expected)")
            #expect(Self.shape(of: events, trace: together.traceID) == expected, "\(node)")
        }
    }

    @Test func eachRepliesClockIsMergedWhenItArrivesAndEverySendHasItsReceive() throws {
        let pair = try TestPair()
        let together = TraceContext.newTrace()
        let results = RPCClient.callConcurrently(
            pair.client.prepareCall("add", AddParams(a: 1, b: 1), returning: Sum.self, context: together),
            pair.client.prepareCall("add", AddParams(a: 2, b: 2), returning: Sum.self, context: together),
            pair.client.prepareCall("add", AddParams(a: 3, b: 3), returning: Sum.self, context: together))
        #expect(try [results.0.get(), results.1.get(), results.2.get()] == [2, 4, 6].map { Sum(sum: $0) })
        pair.stop()
        let alpha = try pair.events(of: "alpha")
        let beta = try pair.events(of: "beta")
        let sends = alpha.filter { $0.kind == .rpcSend }
        #expect(sends.count == 3 && Set(sends.compactMap { $0.payload(RPCSend.self)?.msg }).count == 3)
        let replies = Dictionary(
            uniqueKeysWithValues: beta.compactMap { event in event.payload(RPCReplySend.self).map { ($0.msg!, event) } }
        )
        for send in sends {
            let msg = try #require(send.payload(RPCSend.self)?.msg)
            let receive = try #require(beta.first { $0.payload(RPCReceive.self)?.msg == msg })
            #expect(receive.parentSpanID == send.spanID && receive.traceID == together.traceID)
            #expect(send.parentSpanID == together.spanID)
        }
        try expectReplyReceivesMerge(alpha, clientNode: "alpha", replies: replies)
    }

    // Each call goes to its own server, as the orchestrator's do: a server's pool thread that runs a sleeping
    // handler also holds the other connections it accepted, so calls to one server can wait for each other there.
    @Test func aSlowAndAnUnreachableServiceFailAsSingleCallsDoEachAtItsOwnDeadline() throws {
        let slowPair = try TestPair()
        let finePair = try TestPair()
        let ghost = RPCClient(
            peer: "ghost", baseURL: "http://127.0.0.1:\(closedPort())", recorder: slowPair.clientRecorder,
            logger: slowPair.client.logger)
        let started = ContinuousClock.now
        let (slow, fine, missing) = RPCClient.callConcurrently(
            slowPair.client.prepareCall(
                "sleep", SleepParams(milliseconds: 1500), returning: Empty.self, deadline: .milliseconds(150)),
            finePair.client.prepareCall("add", AddParams(a: 1, b: 2), returning: Sum.self, deadline: .seconds(5)),
            ghost.prepareCall("add", AddParams(a: 1, b: 1), returning: Sum.self, deadline: .seconds(1)))
        let elapsed = ContinuousClock.now - started
        guard case .failure(let timeout) = slow, case .failure(let refused) = missing else {
            Issue.record("expected failures, got \(slow) and \(missing)")
            return
        }
        #expect(timeout.kind == .deadlineExceeded && timeout.peer == "beta" && timeout.method == "sleep")
        #expect(timeout.elapsedNanos >= 140_000_000 && timeout.elapsedNanos < 1_000_000_000, "\(timeout.elapsedNanos)")
        guard case .unavailable = refused.kind else {
            Issue.record("expected unavailable, got \(refused)")
            return
        }
        #expect(refused.peer == "ghost" && refused.method == "add")
        #expect(try fine.get() == Sum(sum: 3))
        #expect(elapsed < .milliseconds(1000), "the calls must end at their deadlines, took \(elapsed)")

        // The same failure from a single call.
        let single = try #require(throws: RPCCallError.self) {
            try slowPair.client.call(
                "sleep", SleepParams(milliseconds: 1500), returning: Empty.self, deadline: .milliseconds(150))
        }
        #expect(single.kind == timeout.kind && single.status == timeout.status)
        slowPair.stop()
        let failures = try slowPair.events(of: "alpha").compactMap { $0.payload(RPCFailure.self) }
        #expect(failures.filter { $0.method == "sleep" && $0.status == "deadline_exceeded" }.count == 2)
        #expect(failures.contains { $0.peer == "ghost" && $0.status == "unavailable" })
    }

    @Test func theCallsRunAtTheSameTime() throws {
        let pairs = try (0..<3).map { _ in try TestPair() }
        let started = ContinuousClock.now
        let results = RPCClient.callConcurrently(
            pairs[0].client.prepareCall("sleep", SleepParams(milliseconds: 400), returning: Empty.self),
            pairs[1].client.prepareCall("sleep", SleepParams(milliseconds: 400), returning: Empty.self),
            pairs[2].client.prepareCall("sleep", SleepParams(milliseconds: 400), returning: Empty.self))
        let elapsed = ContinuousClock.now - started
        #expect((try? results.0.get()) != nil && (try? results.1.get()) != nil && (try? results.2.get()) != nil)
        #expect(elapsed < .milliseconds(1100), "three 400 ms calls one after the other take 1.2 s; took \(elapsed)")
    }

    @Test func paramsThatCannotBeEncodedFailOnlyTheirCall() throws {
        let pair = try TestPair()
        let (bad, good) = RPCClient.callConcurrently(
            pair.client.prepareCall("add", Unencodable(), returning: Sum.self),
            pair.client.prepareCall("add", AddParams(a: 20, b: 22), returning: Sum.self))
        guard case .failure(let error) = bad, case .encoding = error.kind else {
            Issue.record("expected an encoding error, got \(bad)")
            return
        }
        #expect(try good.get() == Sum(sum: 42))
    }

    @Test func connectionsAreReusedFromOneRoundToTheNext() throws {
        let pair = try TestPair()
        for round in 0..<20 {
            let results = RPCClient.callConcurrently(
                pair.client.prepareCall("add", AddParams(a: round, b: 1), returning: Sum.self),
                pair.client.prepareCall("add", AddParams(a: round, b: 2), returning: Sum.self))
            #expect(try results.0.get().sum == round + 1 && results.1.get().sum == round + 2)
        }
        // Two calls at a time need two connections (two sockets each on loopback, and the listening one); a new
        // connection per call would leave 40 (open or in TIME_WAIT).
        let sockets = Self.loopbackSockets(port: pair.server.port)
        #expect(sockets <= 9, "\(sockets) sockets on the server's port after 40 calls")
    }

    /// The TCP sockets (any state) whose local or remote port is `port`, from `/proc/net/tcp`.
    private static func loopbackSockets(port: Int) -> Int {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return -1 }
        let hex = String(format: "%04X", port)
        return table.split(separator: "\n").dropFirst().count { line in
            let columns = line.split(separator: " ")
            guard columns.count > 2 else { return false }
            return columns[1].hasSuffix(":" + hex) || columns[2].hasSuffix(":" + hex)
        }
    }
}
