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
        let sends = Dictionary(uniqueKeysWithValues: alpha.filter { $0.kind == .rpcSend }.map { ($0.data["msg"]!, $0) })
        let replies = Dictionary(
            uniqueKeysWithValues: beta.filter { $0.kind == .rpcReplySend }.map { ($0.data["msg"]!, $0) })
        #expect(sends.count == 21 && replies.count == 21)

        // Receive rule at the server: receive.vc = merge(previous beta clock, send.vc) + tick(beta).
        for (index, receive) in beta.enumerated() where receive.kind == .rpcReceive {
            let send = try #require(sends[receive.data["msg"]!])
            var expected = index > 0 ? beta[index - 1].clock : VectorClock()
            expected.receive(send.clock, at: "beta")
            #expect(receive.clock == expected, "receive \(receive.handle)")
            #expect(send.clock.compare(receive.clock) == .before)
            #expect(receive.traceID == send.traceID)
            #expect(receive.parentSpanID == send.spanID)
        }
        // And at the client for replies.
        for (index, received) in alpha.enumerated() where received.kind == .rpcReplyReceive {
            let reply = try #require(replies[received.data["msg"]!])
            var expected = alpha[index - 1].clock
            expected.receive(reply.clock, at: "alpha")
            #expect(received.clock == expected, "reply receive \(received.handle)")
        }
        let errorReply = beta.first { $0.kind == .rpcReplySend && $0.data["method"] == "divide" }
        #expect(errorReply?.data["status"] == "rejected")
    }

    @Test func failedCallIsRecordedAsFailure() throws {
        let pair = try TestPair()
        _ = try? pair.client.call(
            "sleep", SleepParams(milliseconds: 300), returning: Empty.self, deadline: .milliseconds(50))
        pair.stop()
        let alpha = try pair.events(of: "alpha")
        let failure = try #require(alpha.first { $0.kind == .rpcFailure })
        #expect(failure.data["status"] == "deadline_exceeded")
        #expect(failure.data["msg"] == alpha.first { $0.kind == .rpcSend }?.data["msg"])
    }

    @Test func tracingOffStillCarriesClocks() throws {
        let pair = try TestPair(tracing: false)
        _ = try pair.client.call("add", AddParams(a: 1, b: 1), returning: Sum.self)
        #expect(pair.clientRecorder.clock["beta"] == 2)
        #expect(pair.serverRecorder.clock["alpha"] == 1)
    }
}
