import Checkout
import ClusterProtocol
import Foundation
import RPC
import TraceFormat
import WireJSON

/// Asks verification, fraud detection and suggestions about an order at the same time; checkouts in flight
/// together share their calls (`CallCoalescer`, `BatchParams`).
struct CheckoutFanOut: Sendable {
    /// One order's three answers, and the trace of the batched calls that carried them (nil: calls of its own).
    typealias Answers = (
        verification: Result<VerificationResult, any Error>, fraud: Result<FraudAssessment, any Error>,
        suggestions: Result<SuggestionResult, any Error>, batchTrace: String?
    )

    /// What one checkout asks.
    struct Question: Sendable {
        /// The encoded `OrderEnvelope` (encoded once, sent to verification and fraud).
        let envelope: Data
        let titles: [String]
        let orderID: String
        /// The checkout's span: a call of its own is made in it, a batch item names it.
        let trace: TraceContext
    }

    /// The three services' clients.
    let calls: LeafCalls
    /// Nil: every checkout makes its own three calls.
    private let coalescer: CallCoalescer<Question, Answers>?
    /// An order whose envelope is longer goes alone, so that a full batch stays within `maxBatchBytes`.
    let maxBatchedEnvelopeBytes: Int

    /// Most bytes of envelopes in one batch: half a server's 1 MiB body limit, which leaves room for the items'
    /// `traceparent`s and the JSON-RPC envelope.
    static let maxBatchBytes = 512 * 1024

    init(
        verification: RPCClient, fraud: RPCClient, suggestions: RPCClient, suggestionCount: Int,
        batching: FanOutBatchSettings
    ) {
        let calls = LeafCalls(
            verification: verification, fraud: fraud, suggestions: suggestions, suggestionCount: suggestionCount)
        self.calls = calls
        // Never more items than a service takes in one batch.
        let maxItems = min(batching.maxItems, BatchParams<OrderEnvelope>.maxItems)
        maxBatchedEnvelopeBytes = min(16 * 1024, Self.maxBatchBytes / max(1, maxItems))
        coalescer =
            maxItems > 1
            ? CallCoalescer(maxItems: maxItems, maxInFlight: batching.maxInFlight) { questions in
                questions.count == 1 ? [calls.askAlone(questions[0])] : calls.askTogether(questions)
            } : nil
    }

    /// The three calls' results. Verification and fraud get the whole order (they check the card); suggestions
    /// get only the titles. The three calls run at once from the calling thread (`RPCClient.callConcurrently`:
    /// one libcurl multi handle, no thread hand-off), each with its client's deadline; with batching on, they may
    /// carry other checkouts' questions too (each answer is the same as a call of its own would give).
    func ask(envelope: Data, titles: [String], orderID: String, trace: TraceContext) -> Answers {
        let question = Question(envelope: envelope, titles: titles, orderID: orderID, trace: trace)
        guard let coalescer, envelope.count <= maxBatchedEnvelopeBytes else { return calls.askAlone(question) }
        return coalescer.call(question)
    }

    /// The titles sent to suggestions: at most 50, each at most 200 characters.
    static func titles(of order: CheckoutRequest) -> [String] {
        Array((order.items ?? []).compactMap(\.name).prefix(50).map { String($0.prefix(200)) })
    }
}

/// The calls `CheckoutFanOut` makes: one checkout's own, or several checkouts' batched.
struct LeafCalls: Sendable {
    typealias Question = CheckoutFanOut.Question
    typealias Answers = CheckoutFanOut.Answers

    let verification: RPCClient
    let fraud: RPCClient
    let suggestions: RPCClient
    let suggestionCount: Int

    /// One checkout's own three calls, in its trace.
    func askAlone(_ question: Question) -> Answers {
        let (verified, assessed, suggested) = RPCClient.callConcurrently(
            verification.prepareCall(
                VerificationRPC.verify, encodedParams: question.envelope, context: question.trace),
            fraud.prepareCall(FraudRPC.assess, encodedParams: question.envelope, context: question.trace),
            suggestions.prepareCall(SuggestionsRPC.suggest, suggestionRequest(question), context: question.trace))
        return (verified.mapError { $0 }, assessed.mapError { $0 }, suggested.mapError { $0 }, nil)
    }

    /// Several checkouts' questions in three batched calls, in a trace of their own (each item names its
    /// checkout's span). A failed call fails that service's answer for every order in it.
    func askTogether(_ questions: [Question]) -> [Answers] {
        let batchTrace = TraceContext.newTrace()
        let orders = Self.batchBody(questions) { $0.raw($1.envelope) }
        let titles = Self.batchBody(questions) { writer, question in
            suggestionRequest(question).encode(into: &writer)
        }
        let (verified, assessed, suggested) = RPCClient.callConcurrently(
            verification.prepareCall(VerificationRPC.verifyBatch, encodedParams: orders, context: batchTrace),
            fraud.prepareCall(FraudRPC.assessBatch, encodedParams: orders, context: batchTrace),
            suggestions.prepareCall(SuggestionsRPC.suggestBatch, encodedParams: titles, context: batchTrace))
        let count = questions.count
        let verifications = BatchResults.split(verified, count: count, peer: verification.peer, method: "verifyBatch")
        let assessments = BatchResults.split(assessed, count: count, peer: fraud.peer, method: "assessBatch")
        let suggestionLists = BatchResults.split(
            suggested, count: count, peer: suggestions.peer, method: "suggestBatch")
        return (0..<count).map { index in
            (verifications[index], assessments[index], suggestionLists[index], batchTrace.traceID)
        }
    }

    private func suggestionRequest(_ question: Question) -> SuggestionRequest {
        SuggestionRequest(orderId: question.orderID, orderedTitles: question.titles, count: suggestionCount)
    }

    /// `{"items":[{"trace":…,"params":…},…]}`, each item's params written by `params`.
    private static func batchBody(
        _ questions: [Question], params: (inout JSONWriter, Question) -> Void
    ) -> Data {
        var writer = JSONWriter(capacity: questions.reduce(64) { $0 + $1.envelope.count + 128 })
        writer.beginObject()
        writer.key("items")
        writer.beginArray()
        for question in questions {
            writer.beginObject()
            writer.field("trace", question.trace.traceparent)
            writer.key("params")
            params(&writer, question)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return Data(writer.bytes)
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
