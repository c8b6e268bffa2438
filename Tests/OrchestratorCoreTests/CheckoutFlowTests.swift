import Checkout
import OrchestratorCore
import Testing

/// The checkout as a pure state machine: every path from the request to the reply, as directives.
@Suite("Checkout flow")
struct CheckoutFlowTests {
    @Test func anApprovedOrderIsEnqueuedBeforeItsDecisionIsRecordedAndReplied() {
        var flow = Fixtures.flow()
        let directives = Script().run(&flow, .unkeyed(orderID: Fixtures.orderID))
        #expect(directives.asks == 1)
        #expect(
            directives.tickets == [
                OrderTicket(orderId: Fixtures.orderID, order: Fixtures.order, traceId: Fixtures.traceID)
            ])
        let kinds = directives.map(Self.kind)
        #expect(kinds == ["log", "ask", "enqueue", "record", "log", "reply"], "\(kinds)")
        guard case .decided(let orderID, let decision) = directives.replies.first else {
            Issue.record("no decided reply: \(directives.replies)")
            return
        }
        #expect(orderID == Fixtures.orderID)
        #expect(decision.approved && decision.status == "Order Approved")
        #expect(decision.suggestedBooks == Fixtures.books)
        #expect(directives.replies.first?.outcomeLabel == "approved")
        #expect(directives.memories.isEmpty, "a request without a key leaves no memory")
        #expect(directives.decisionsRecorded.map(\.retried) == [false])
        #expect(flow.phase == .done)
    }

    @Test func theDecisionWaitsForAllThreeAnswersWhateverTheirOrder() {
        var flow = Fixtures.flow()
        _ = flow.onRequest(.unkeyed(orderID: Fixtures.orderID))
        #expect(flow.onSuggestions(.success(SuggestionResult(books: []))).isEmpty)
        #expect(flow.onFraud(.success(FraudAssessment(score: 0, threshold: 0.5, rulesFired: []))).isEmpty)
        #expect(flow.phase == .asking)
        let last = flow.onVerification(.success(VerificationResult(failures: [])))
        #expect(last.tickets.count == 1)
        #expect(flow.phase == .enqueuing)
    }

    @Test func failedVerificationRejectsWithEveryReasonWithoutEnqueueing() {
        var script = Script()
        let failures = [Finding(code: "card_expired", message: "expired"), Finding(code: "terms", message: "no")]
        script.verification = .success(VerificationResult(failures: failures))
        var flow = Fixtures.flow()
        let directives = script.run(&flow, .keyed(.fresh(orderID: Fixtures.orderID)))
        #expect(directives.tickets.isEmpty, "a rejected order is not enqueued")
        guard case .decided(_, let decision) = directives.replies.first else {
            Issue.record("no decided reply")
            return
        }
        #expect(!decision.approved && decision.status == "Order Rejected")
        #expect(decision.reasons.map(\.code) == ["card_expired", "terms"])
        #expect(decision.suggestedBooks.isEmpty)
        #expect(directives.replies.first?.outcomeLabel == "rejected")
        #expect(directives.memories == [.finalReply], "a rejection is the key's final answer")
        #expect(directives.logLines.last?.metadata["reasons"] == "card_expired,terms")
    }

    @Test func aDecidedCheckoutHasOneInfoLineWithItsOutcomeAndItemsAndItsArrivalAtDebug() {
        var flow = Fixtures.flow()
        let directives = Script().run(&flow, .keyed(.fresh(orderID: Fixtures.orderID)))
        let info = directives.logLines.filter { $0.level == .info }
        #expect(info.map(\.message) == ["checkout decided"])
        #expect(info.first?.metadata["status"] == "Order Approved")
        #expect(info.first?.metadata["items"] == "\(Fixtures.order.items?.count ?? 0)")
        #expect(directives.logLines.first { $0.message == "checkout received" }?.level == .debug)
    }

    @Test func aFiredFraudRuleOrTheModelScoreRejectsAndTheScoreIsExplained() {
        let rule = Finding(code: "disposable_email", message: "disposable")
        for (assessment, codes) in [
            (FraudAssessment(score: 0.1, threshold: 0.5, rulesFired: [rule]), ["disposable_email"]),
            (FraudAssessment(score: 0.5, threshold: 0.5, rulesFired: []), ["fraud_model_score"]),
        ] {
            var script = Script()
            script.fraud = .success(assessment)
            var flow = Fixtures.flow()
            let directives = script.run(&flow, .unkeyed(orderID: Fixtures.orderID))
            #expect(directives.tickets.isEmpty)
            #expect(directives.decisionsRecorded.map(\.decision.reasons).map { $0.map(\.code) } == [codes])
            #expect(directives.decisionsRecorded.first?.decision.fraudScore == assessment.score)
        }
    }

    @Test func approvalIsOneRuleValidAndNotMarkedFraudulentByTheFraudService() {
        let valid = VerificationResult(failures: [])
        let invalid = VerificationResult(failures: [Finding(code: "cvv", message: "bad")])
        let clean = FraudAssessment(score: 0.1, threshold: 0.5, rulesFired: [])
        let flagged = FraudAssessment(score: 0.7, threshold: 0.5, rulesFired: [])
        #expect(flagged.fraudulent && flagged.modelFlagged && !clean.modelFlagged)
        #expect(OrderApproval.approves(verification: valid, fraud: clean))
        #expect(!OrderApproval.approves(verification: invalid, fraud: clean))
        #expect(!OrderApproval.approves(verification: valid, fraud: flagged))
        // The service's verdict as sent decides, not a recomputation from its score.
        var lenient = flagged
        lenient.fraudulent = false
        #expect(OrderApproval.approves(verification: valid, fraud: lenient))
        let decision = CheckoutDecision.decide(verification: valid, fraud: lenient, suggestions: .success([]))
        #expect(decision.approved && decision.reasons.isEmpty)
    }

    @Test func aRequiredServiceThatIsDownIsA503NamingItAndTheKeyMayBeRetried() {
        var script = Script()
        script.verification = .failure(FakeCallFailure(peer: "verification", method: "verify"))
        var flow = Fixtures.flow()
        let directives = script.run(&flow, .keyed(.fresh(orderID: Fixtures.orderID)))
        #expect(directives.tickets.isEmpty && directives.decisionsRecorded.isEmpty)
        guard case .failed(let failure, let orderID) = directives.replies.first else {
            Issue.record("no failure reply: \(directives.replies)")
            return
        }
        #expect(orderID == Fixtures.orderID)
        #expect(failure.status == 503 && failure.code == .unavailable && failure.retryAfter == 1)
        #expect(failure.message == "verification service is down (verify)")
        #expect(failure.outcomeLabel == "unavailable")
        #expect(directives.memories == [.retryable(decided: nil)])
        #expect(directives.logLines.last?.level == .error)
        #expect(directives.logLines.last?.metadata["cause"] == "verification.verify failed")
    }

    @Test func aFraudServiceThatDoesNotAnswerInTimeIsA503DeadlineExceeded() {
        var script = Script()
        script.fraud = .failure(FakeCallFailure(peer: "fraud", method: "assess", timedOut: true))
        var flow = Fixtures.flow()
        let directives = script.run(&flow, .unkeyed(orderID: Fixtures.orderID))
        guard case .failed(let failure, _) = directives.replies.first else {
            Issue.record("no failure reply")
            return
        }
        #expect(failure.code == .deadlineExceeded && failure.status == 503)
        #expect(failure.message == "fraud service did not answer in time (assess)")
        #expect(directives.memories.isEmpty)
    }

    @Test func anErrorThatIsNoServiceFailureIsAnInternalErrorWithoutItsCause() {
        var script = Script()
        script.fraud = .failure(StrangeError())
        var flow = Fixtures.flow()
        let directives = script.run(&flow, .unkeyed(orderID: Fixtures.orderID))
        guard case .failed(let failure, _) = directives.replies.first else {
            Issue.record("no failure reply")
            return
        }
        #expect(failure == .internalError)
        #expect(failure.status == 500 && failure.retryAfter == nil && failure.outcomeLabel == "error")
    }

    @Test func anOrderThatCannotBeEncodedIsAnInternalErrorToRetry() {
        var flow = Fixtures.flow()
        let started = flow.onRequest(.keyed(.fresh(orderID: Fixtures.orderID)))
        #expect(started.asks == 1)
        let directives = flow.onEncodingFailure("bad float")
        #expect(directives.replies == [.failed(.internalError, orderID: Fixtures.orderID)])
        #expect(directives.memories == [.retryable(decided: nil)])
        #expect(directives.logLines.first?.message == "cannot encode the order")
    }

    @Test func failedSuggestionsStillApproveWithNoBooksAndTheReasonIsRecorded() {
        var script = Script()
        script.suggestions = .failure(FakeCallFailure(peer: "suggestions", method: "suggest"))
        var flow = Fixtures.flow()
        let directives = script.run(&flow, .unkeyed(orderID: Fixtures.orderID))
        #expect(
            directives.contains(.recordSuggestionsSkipped(orderID: Fixtures.orderID, reason: "suggestions is down")))
        #expect(directives.logLines.contains { $0.level == .notice && $0.message.hasSuffix("suggestions is down") })
        #expect(directives.tickets.count == 1)
        guard case .decided(_, let decision) = directives.replies.first else {
            Issue.record("no decided reply")
            return
        }
        #expect(decision.approved && decision.suggestedBooks.isEmpty)
        #expect(decision.suggestionsSkipped == "suggestions is down")
    }

    @Test func failedSuggestionsOfARejectedOrderAreNotReported() {
        var script = Script()
        script.suggestions = .failure(StrangeError())
        script.verification = .success(VerificationResult(failures: [Finding(code: "cvv", message: "bad")]))
        var flow = Fixtures.flow()
        let directives = script.run(&flow, .unkeyed(orderID: Fixtures.orderID))
        #expect(!directives.contains { if case .recordSuggestionsSkipped = $0 { true } else { false } })
        #expect(directives.replies.first?.outcomeLabel == "rejected")
    }

    /// The kind of a directive, to check their order.
    static func kind(_ directive: CheckoutDirective) -> String {
        switch directive {
        case .log: return "log"
        case .askServices: return "ask"
        case .enqueue: return "enqueue"
        case .recordSuggestionsSkipped: return "skipped"
        case .recordDecision: return "record"
        case .reply: return "reply"
        case .remember: return "remember"
        }
    }
}
