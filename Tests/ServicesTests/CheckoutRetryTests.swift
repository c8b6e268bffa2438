import Checkout
import Foundation
import SeededRandom
import Testing

@testable import Cluster

/// How the load generator reads checkout answers and spaces its retries (pure parts).
@Suite("Checkout retry policy")
struct CheckoutRetryTests {
    let approved = Data(
        #"{"orderId":"0193a1c2d3e47a5b8c9d0e1f2a3b4c5d","status":"Order Approved","suggestedBooks":[]}"#.utf8)

    @Test func aDecisionIsFinalAndNamesItsOrder() {
        let answer = CheckoutRetry.classify(status: 200, headers: [], body: approved)
        #expect(answer == .init(outcome: "approved", orderID: "0193a1c2d3e47a5b8c9d0e1f2a3b4c5d", retryable: false))
    }

    @Test func theByteLevelReaderAgreesWithFoundationOnEveryReplySpelling() throws {
        let bodies = [
            #"{"orderId":"a1","status":"Order Approved"}"#,
            #" { "status" : "Order Rejected" , "extra" : [1, {"x": null}], "orderId" : "b2" } "#,
            #"{"orderId":"c\u0033","status":"Order Approved"}"#,  // an escape: Foundation reads it
            #"{"orderId":"d4","status":"Order Approved","orderId":"d5"}"#,
            #"{"orderId":"e5"}"#, #"{"orderId":7,"status":"Order Approved"}"#, #"["a"]"#, "", "{",
        ]
        for body in bodies.map({ Data($0.utf8) }) {
            let reference = try? JSONDecoder().decode(CheckoutRetry.Reply.self, from: body)
            let read = CheckoutRetry.Reply.decode(body)
            if body.first != nil, String(decoding: body, as: UTF8.self).contains(#""orderId":"d5""#) {
                #expect(read?.orderId == "d4" || read?.orderId == "d5", "a repeated key: either value, never none")
            } else {
                #expect(read == reference, "\(String(decoding: body, as: UTF8.self))")
            }
        }
        #expect(CheckoutRetry.Reply.decode(Data(#"{"orderId":"c\u0033","status":"x"}"#.utf8))?.orderId == "c3")
    }

    @Test func aReplyWithoutItsFieldsIsNotADecision() {
        let answer = CheckoutRetry.classify(status: 200, headers: [], body: Data(#"{"orderId":"e5"}"#.utf8))
        #expect(answer == .init(outcome: "http_200", orderID: nil, retryable: false))
    }

    /// Foundation on Linux writes members in hash order, so the two are compared as values, and by their sorted bytes.
    @Test func loadOrdersAreTheJSONThatFoundationWrites() throws {
        let mix = OrderMix.standard
        let reference = JSONEncoder()
        reference.outputFormatting = .withoutEscapingSlashes
        var generator = SplitMix64(seed: 42)
        for _ in 0..<50 {
            let kind = mix.kind(using: &generator)
            let order = mix.order(kind, year: 2026, using: &generator)
            let body = LoadGenerator.encode(order)
            #expect(try JSONDecoder().decode(CheckoutRequest.self, from: body) == order)
            #expect(body.sorted() == (try reference.encode(order)).sorted())
        }
    }

    @Test func a503AndA409AskingToWaitAreRetriedOtherRefusalsAreNot() {
        #expect(CheckoutRetry.classify(status: 503, headers: [("Retry-After", "1")], body: Data()).retryable)
        #expect(CheckoutRetry.classify(status: 503, headers: [], body: Data()).retryable)
        #expect(CheckoutRetry.classify(status: 409, headers: [("retry-after", "1")], body: Data()).retryable)
        #expect(!CheckoutRetry.classify(status: 409, headers: [], body: Data()).retryable, "another body: final")
        #expect(!CheckoutRetry.classify(status: 400, headers: [], body: Data()).retryable)
        #expect(
            CheckoutRetry.classify(status: 500, headers: [], body: Data())
                == .init(
                    outcome: "http_500", orderID: nil, retryable: false))
    }

    @Test func backoffDoublesUpToTheCapAndJitterOnlyShortensIt() {
        let policy = CheckoutRetry(maxRetries: 8, initialBackoff: .milliseconds(50), maxBackoff: .seconds(1))
        #expect(policy.delay(beforeRetry: 0, jitter: 1) == .milliseconds(50))
        #expect(policy.delay(beforeRetry: 1, jitter: 1) == .milliseconds(100))
        #expect(policy.delay(beforeRetry: 4, jitter: 1) == .milliseconds(800))
        #expect(policy.delay(beforeRetry: 5, jitter: 1) == .seconds(1))
        #expect(policy.delay(beforeRetry: 60, jitter: 1) == .seconds(1))
        #expect(policy.delay(beforeRetry: 2, jitter: 0) == .milliseconds(100))
        #expect(CheckoutRetry(maxRetries: -3).maxRetries == 0)
    }
}
