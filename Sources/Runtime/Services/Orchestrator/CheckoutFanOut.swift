import Checkout
import ClusterProtocol
import Foundation
import RPC
import TraceFormat

/// Asks verification, fraud detection and suggestions about one order at the same time.
struct CheckoutFanOut: Sendable {
    let verification: RPCClient
    let fraud: RPCClient
    let suggestions: RPCClient
    let suggestionCount: Int

    /// The three calls' results. Verification and fraud get the whole order (they check the card); suggestions
    /// get only the titles. The three calls run at once from the calling thread (`RPCClient.callConcurrently`:
    /// one libcurl multi handle, no thread hand-off), each with its client's deadline.
    /// - Parameter envelope: the encoded `OrderEnvelope` (encoded once, sent twice).
    func ask(
        envelope: Data, titles: [String], orderID: String, trace: TraceContext
    ) -> (
        verification: Result<VerificationResult, any Error>, fraud: Result<FraudAssessment, any Error>,
        suggestions: Result<SuggestionResult, any Error>
    ) {
        let (verified, assessed, suggested) = RPCClient.callConcurrently(
            verification.prepareCall(VerificationRPC.verify, encodedParams: envelope, context: trace),
            fraud.prepareCall(FraudRPC.assess, encodedParams: envelope, context: trace),
            suggestions.prepareCall(
                SuggestionsRPC.suggest,
                SuggestionRequest(orderId: orderID, orderedTitles: titles, count: suggestionCount), context: trace))
        return (verified.mapError { $0 }, assessed.mapError { $0 }, suggested.mapError { $0 })
    }

    /// The titles sent to suggestions: at most 50, each at most 200 characters.
    static func titles(of order: CheckoutRequest) -> [String] {
        Array((order.items ?? []).compactMap(\.name).prefix(50).map { String($0.prefix(200)) })
    }
}

extension RPCClient {
    /// Prepares a call of `method` for `RPCClient.callConcurrently`.
    func prepareCall<Params, Result>(
        _ method: RPCMethod<Params, Result>, _ params: Params, context: TraceContext? = nil
    ) -> RPCPreparedCall<Result> {
        prepareCall(method.name, params, returning: Result.self, context: context)
    }

    /// Prepares a call of `method` with its params already encoded, for `RPCClient.callConcurrently`.
    func prepareCall<Params, Result>(
        _ method: RPCMethod<Params, Result>, encodedParams: Data, context: TraceContext? = nil
    ) -> RPCPreparedCall<Result> {
        prepareCall(method.name, encodedParams: encodedParams, returning: Result.self, context: context)
    }
}
