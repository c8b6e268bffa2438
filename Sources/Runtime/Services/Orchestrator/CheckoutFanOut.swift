import Checkout
import ClusterProtocol
import Dispatch
import Foundation
import RPC
import Synchronization
import TraceFormat

/// Asks verification, fraud detection and suggestions about one order at the same time.
struct CheckoutFanOut: Sendable {
    let verification: RPCClient
    let fraud: RPCClient
    let suggestions: RPCClient
    let suggestionCount: Int
    private static let queue = DispatchQueue(label: "orchestrator-fan-out", attributes: .concurrent)

    /// The three calls' results. Verification and fraud get the whole order (they check the card); suggestions
    /// get only the titles.
    /// - Parameter envelope: the encoded `OrderEnvelope` (encoded once, sent twice).
    func ask(
        envelope: Data, titles: [String], orderID: String, trace: TraceContext
    ) -> (
        verification: Result<VerificationResult, any Error>, fraud: Result<FraudAssessment, any Error>,
        suggestions: Result<SuggestionResult, any Error>
    ) {
        let results = Results()
        let group = DispatchGroup()
        Self.queue.async(group: group) { [verification] in
            let result = Result<VerificationResult, any Error> {
                try verification.call(VerificationRPC.verify, encodedParams: envelope, context: trace)
            }
            results.withLock { $0.verification = result }
        }
        Self.queue.async(group: group) { [fraud] in
            let result = Result<FraudAssessment, any Error> {
                try fraud.call(FraudRPC.assess, encodedParams: envelope, context: trace)
            }
            results.withLock { $0.fraud = result }
        }
        // The third call runs on this thread: one fewer hop.
        let suggested = Result<SuggestionResult, any Error> {
            try suggestions.call(
                SuggestionsRPC.suggest,
                SuggestionRequest(orderId: orderID, orderedTitles: titles, count: suggestionCount), context: trace)
        }
        group.wait()
        let done = results.withLock { $0 }
        return (done.verification ?? .failure(Missing()), done.fraud ?? .failure(Missing()), suggested)
    }

    /// The titles sent to suggestions: at most 50, each at most 200 characters.
    static func titles(of order: CheckoutRequest) -> [String] {
        Array((order.items ?? []).compactMap(\.name).prefix(50).map { String($0.prefix(200)) })
    }

    private struct Missing: Error {}

    /// The two answers that arrive on the fan-out queue's threads.
    private struct Answers {
        var verification: Result<VerificationResult, any Error>?
        var fraud: Result<FraudAssessment, any Error>?
    }

    private final class Results: Sendable {
        private let answers = Mutex(Answers())

        func withLock<T: Sendable>(_ body: (inout Answers) -> T) -> T { answers.withLock { body(&$0) } }
    }
}
