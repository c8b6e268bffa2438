import Cluster
import Foundation
import Testing

/// How the load generator reads checkout answers and spaces its retries (pure parts).
@Suite("Checkout retry policy")
struct CheckoutRetryTests {
    let approved = Data(
        #"{"orderId":"0193a1c2d3e47a5b8c9d0e1f2a3b4c5d","status":"Order Approved","suggestedBooks":[]}"#.utf8)

    @Test func aDecisionIsFinalAndNamesItsOrder() {
        let answer = CheckoutRetry.classify(status: 200, headers: [], body: approved)
        #expect(answer == .init(outcome: "approved", orderID: "0193a1c2d3e47a5b8c9d0e1f2a3b4c5d", retryable: false))
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
