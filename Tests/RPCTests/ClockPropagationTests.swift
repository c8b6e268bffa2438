import Causality
import Foundation
import Testing
import TraceFormat

@testable import RPC

@Suite("Vector clocks across a traced exchange")
struct ClockPropagationTests {
    @Test func twoNodeExchangeObeysTheReceiveRuleInTheTraceFiles() throws {
        let pair = try TestPair()
        for index in 0..<20 {
            _ = try pair.client.call("add", AddParams(a: index, b: 1), returning: Sum.self)
        }
        _ = try? pair.client.call("divide", AddParams(a: 1, b: 0), returning: Sum.self)
        pair.stop()
        let alpha = try pair.events(of: "alpha")
        let beta = try pair.events(of: "beta")
        #expect(alpha.count == 42 && beta.count == 42, "alpha \(alpha.count), beta \(beta.count)")

        // Each side's own entry grows by exactly one per event and sequence numbers are 1…n.
        for events in [alpha, beta] {
            for (index, event) in events.enumerated() {
                #expect(event.sequence == UInt64(index + 1))
                #expect(event.clock[event.node] == UInt64(index + 1))
            }
        }
        let sends = Dictionary(
            uniqueKeysWithValues: alpha.compactMap { e in e.payload(RPCSend.self).map { ($0.msg!, e) } })
        let replies = Dictionary(
            uniqueKeysWithValues: beta.compactMap { e in e.payload(RPCReplySend.self).map { ($0.msg!, e) } })
        #expect(sends.count == 21 && replies.count == 21)

        // Receive rule at the server: receive.vc = merge(previous beta clock, send.vc) + tick(beta).
        for (index, receive) in beta.enumerated() where receive.kind == .rpcReceive {
            let msg = try #require(receive.payload(RPCReceive.self)?.msg)
            let send = try #require(sends[msg])
            var expected = index > 0 ? beta[index - 1].clock : VectorClock()
            expected.receive(send.clock, at: "beta")
            #expect(receive.clock == expected, "receive \(receive.handle)")
            #expect(send.clock.compare(receive.clock) == .before)
            #expect(receive.traceID == send.traceID)
            #expect(receive.parentSpanID == send.spanID)
        }
        // And at the client for replies.
        try expectReplyReceivesMerge(alpha, clientNode: "alpha", replies: replies)
        let errorReply = beta.compactMap { $0.payload(RPCReplySend.self) }.first { $0.method == "divide" }
        #expect(errorReply?.status == "rejected")
    }

    /// `callReportingServerSpan` returns the span the server recorded the call in (from the reply's
    /// `traceparent`): a child of the call span the caller made, in its trace.
    @Test func theServersSpanOfACallIsReportedFromTheReply() async throws {
        let pair = try TestPair()
        let call = TraceContext.newTrace()
        let answer = try await pair.client.callReportingServerSpan(
            "add", AddParams(a: 2, b: 3), returning: Sum.self, callSpan: call)
        pair.stop()
        #expect(answer.result == Sum(sum: 5))
        let server = try #require(answer.serverSpan)
        #expect(server.traceID == call.traceID && server.parentSpanID == call.spanID && server.spanID != call.spanID)
        let receive = try #require(try pair.events(of: "beta").first { $0.kind == .rpcReceive })
        #expect(receive.spanID == server.spanID && receive.parentSpanID == call.spanID)
        let send = try #require(try pair.events(of: "alpha").first { $0.kind == .rpcSend })
        #expect(send.spanID == call.spanID && send.parentSpanID == nil)
    }

    @Test func failedCallIsRecordedAsFailure() throws {
        let pair = try TestPair()
        _ = try? pair.client.call(
            "sleep", SleepParams(milliseconds: 300), returning: Empty.self, deadline: .milliseconds(50))
        pair.stop()
        let alpha = try pair.events(of: "alpha")
        let failure = try #require(alpha.lazy.compactMap { $0.payload(RPCFailure.self) }.first)
        #expect(failure.status == "deadline_exceeded")
        #expect(failure.msg != nil && failure.msg == alpha.lazy.compactMap { $0.payload(RPCSend.self) }.first?.msg)
    }

    @Test func tracingOffStillCarriesClocks() throws {
        let pair = try TestPair(tracing: false)
        _ = try pair.client.call("add", AddParams(a: 1, b: 1), returning: Sum.self)
        #expect(pair.clientRecorder.clock["beta"] == 2)
        #expect(pair.serverRecorder.clock["alpha"] == 1)
    }
}
