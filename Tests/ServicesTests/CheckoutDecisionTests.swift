import Checkout
import Foundation
import RPC
import OrchestratorCore
import Testing

@testable import Services

/// The orchestrator's pure pieces: the decision, the failure replies, order ids, the body digest, number ranges.
@Suite("Checkout decision and failures")
struct CheckoutDecisionTests {
    let books = [SuggestedBook(bookId: "b1", title: "Dune", author: "Frank Herbert")]
    let clean = FraudAssessment(score: 0.1, threshold: 0.5, rulesFired: [])
    let valid = VerificationResult(failures: [])

    @Test func aVerifiedCleanOrderIsApprovedWithItsSuggestions() {
        let decision = CheckoutDecision.decide(verification: valid, fraud: clean, suggestions: .success(books))
        #expect(decision.approved)
        #expect(decision.reasons.isEmpty)
        #expect(decision.suggestedBooks == books)
        #expect(decision.suggestionsSkipped == nil)
    }

    @Test func failedChecksRejectTheOrderWithEveryReasonAndNoBooks() {
        let failures = [Finding(code: "card_expired", message: "expired"), Finding(code: "terms", message: "no")]
        let decision = CheckoutDecision.decide(
            verification: VerificationResult(failures: failures), fraud: clean, suggestions: .success(books))
        #expect(!decision.approved)
        #expect(decision.reasons.map(\.code) == ["card_expired", "terms"])
        #expect(decision.suggestedBooks.isEmpty)
    }

    @Test func theFraudServicesVerdictDecidesAndTheModelScoreIsExplained() {
        let rule = Finding(code: "disposable_email", message: "disposable")
        let byRule = CheckoutDecision.decide(
            verification: valid, fraud: FraudAssessment(score: 0.1, threshold: 0.5, rulesFired: [rule]),
            suggestions: .success(books))
        #expect(!byRule.approved)
        #expect(byRule.reasons.map(\.code) == ["disposable_email"])
        let byModel = CheckoutDecision.decide(
            verification: valid, fraud: FraudAssessment(score: 0.5, threshold: 0.5, rulesFired: []),
            suggestions: .success(books))
        #expect(!byModel.approved)
        #expect(byModel.reasons.map(\.code) == ["fraud_model_score"])
        // An assessment the fraud service itself marks clean approves, whatever the score field says.
        var lenient = FraudAssessment(score: 0.9, threshold: 0.5, rulesFired: [])
        lenient.fraudulent = false
        let approved = CheckoutDecision.decide(verification: valid, fraud: lenient, suggestions: .success([]))
        #expect(approved.approved && approved.reasons.isEmpty)
    }

    @Test func missingSuggestionsDoNotStopAnApprovalAndTheReasonIsKept() {
        let down = RPCCallError(kind: .unavailable("connection refused"), peer: "suggestions", method: "suggest")
        let verdict = CheckoutDecision.evaluate(
            verification: .success(valid), fraud: .success(clean), suggestions: .failure(down))
        guard case .decided(let decision) = verdict else {
            Issue.record("no decision: \(verdict)")
            return
        }
        #expect(decision.approved)
        #expect(decision.suggestedBooks.isEmpty)
        #expect(decision.suggestionsSkipped == "suggestions is unavailable: connection refused")
        let late = RPCCallError(kind: .deadlineExceeded, peer: "suggestions", method: "suggest")
        if case .decided(let slow) = CheckoutDecision.evaluate(
            verification: .success(valid), fraud: .success(clean), suggestions: .failure(late))
        {
            #expect(slow.suggestionsSkipped == "suggestions did not answer in time")
        } else {
            Issue.record("a late suggestions service stopped the decision")
        }
    }

    @Test func verificationAndFraudAreRequired() {
        let down = RPCCallError(kind: .unavailable("refused"), peer: "fraud", method: "assess")
        let noFraud = CheckoutDecision.evaluate(
            verification: .success(valid), fraud: .failure(down), suggestions: .success(SuggestionResult(books: books)))
        guard case .failed(let error) = noFraud else {
            Issue.record("decided without fraud detection")
            return
        }
        #expect((error as? RPCCallError)?.peer == "fraud")
        let noVerification = CheckoutDecision.evaluate(
            verification: .failure(RPCCallError(kind: .deadlineExceeded, peer: "verification", method: "verify")),
            fraud: .success(clean), suggestions: .success(SuggestionResult(books: books)))
        if case .decided = noVerification { Issue.record("decided without verification") }
    }

    @Test func aQueueThatIsDownOrLateIsA503NamingTheOrderQueueWithRetryAfter() {
        for kind in [RPCCallError.Kind.unavailable("connection refused"), .deadlineExceeded] {
            let failure = CheckoutFailure.of(RPCCallError(kind: kind, peer: "queue", method: "enqueue"), step: .enqueue)
            #expect(failure.code == .unavailable)
            #expect(failure.status == 503)
            #expect(failure.retryAfter == 1)
            #expect(failure.message.contains("order queue"), "\(failure.message)")
            #expect(failure.message.contains("Idempotency-Key"))
        }
    }

    @Test func aFullQueueIsA503Overloaded() {
        let full = RPCCallError(
            kind: .remote(RPCError(.overloaded, "10000 orders wait")), peer: "queue", method: "enqueue")
        let failure = CheckoutFailure.of(full, step: .enqueue)
        #expect(failure.code == .overloaded)
        #expect(failure.status == 503)
        #expect(failure.retryAfter != nil)
        #expect(failure.outcomeLabel == "overloaded")
    }

    @Test func aFailureResponseCarriesTheOrderIdAndRetryAfter() throws {
        let failure = CheckoutFailure.of(
            RPCCallError(kind: .unavailable("refused"), peer: "queue", method: "enqueue"), step: .enqueue)
        let response = failure.response(traceID: "t", orderID: "o")
        #expect(response.status == 503)
        #expect(response.headers.contains { $0.0 == "Retry-After" && $0.1 == "1" })
        let body = try JSONDecoder().decode(CheckoutErrorBody.self, from: response.body)
        #expect(body.error.code == "unavailable")
        #expect(body.error.orderId == "o")
        #expect(body.error.traceId == "t")
    }

    @Test func orderIDsAreUUIDv7InLowercaseHexOrderedByTime() {
        var generator = StepGenerator()
        let first = OrderID.make(unixMillis: 1_764_000_000_000, using: &generator)
        let later = OrderID.make(unixMillis: 1_764_000_000_001, using: &generator)
        #expect(OrderID.isValid(first) && OrderID.isValid(later), "\(first) \(later)")
        #expect(first < later)
        #expect(OrderID.unixMillis(of: first) == 1_764_000_000_000)
        let ids = Set((0..<10_000).map { _ in OrderID.generate() })
        #expect(ids.count == 10_000)
        #expect(ids.allSatisfy(OrderID.isValid))
        #expect(!OrderID.isValid("0af7651916cd43dd8448eb211c80319c"), "a W3C trace id is not a UUIDv7")
    }

    @Test func bodyDigestsAreSHA256() {
        #expect(SHA256Digest.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Digest.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256Digest.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256Digest.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func numbersOutsideIntAreFoundByTheirPath() throws {
        let body = try JSONSerialization.jsonObject(
            with: Data("{\"items\":[{\"quantity\":1},{\"quantity\":1e308}]}".utf8))
        #expect(
            NumberRange.firstMisfit(in: body)
                == .init(path: "items[1].quantity", problem: "out of range (an integer from \(Int.min) to \(Int.max))"))
        #expect(NumberRange.problem(with: NSNumber(value: 3)) == nil)
        #expect(NumberRange.problem(with: NSNumber(value: 2.5)) == "not a whole number")
        #expect(NumberRange.problem(with: NSNumber(value: UInt64.max)) != nil)
    }
}

/// A predictable generator for id tests.
struct StepGenerator: RandomNumberGenerator {
    var state: UInt64 = 0x1234_5678
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }
}
