import Checkout
import OrchestratorCore
import Testing

/// The checkout flow's enqueue and its `Idempotency-Key` paths: a full or absent queue, retries, duplicates.
@Suite("Checkout flow: queue and idempotency keys")
struct CheckoutFlowQueueTests {
    typealias Table = IdempotencyTable<CheckoutDecision>

    @Test func aFullQueueIsA503OverloadedAndTheApprovalIsKeptForTheRetry() {
        var script = Script()
        script.enqueue = .failure(FakeCallFailure(peer: "queue", method: "enqueue", overloadedMessage: "9 orders wait"))
        var flow = Fixtures.flow()
        let directives = script.run(&flow, .keyed(.fresh(orderID: Fixtures.orderID)))
        #expect(directives.decisionsRecorded.isEmpty, "no decision is recorded before the queue stored the order")
        guard case .failed(let failure, let orderID) = directives.replies.first else {
            Issue.record("no failure reply: \(directives.replies)")
            return
        }
        #expect(orderID == Fixtures.orderID)
        #expect(failure.code == .overloaded && failure.status == 503 && failure.retryAfter == 1)
        #expect(failure.message.contains("order queue is full (9 orders wait)"), "\(failure.message)")
        #expect(failure.outcomeLabel == "overloaded")
        guard case .retryable(let decided?) = directives.memories.first else {
            Issue.record("the approval was not kept: \(directives.memories)")
            return
        }
        #expect(decided.approved && decided.suggestedBooks == Fixtures.books)
    }

    @Test func aQueueThatIsDownIsA503UnavailableNamingTheQueueAndTheKey() {
        var script = Script()
        script.enqueue = .failure(FakeCallFailure(peer: "queue", method: "enqueue"))
        var flow = Fixtures.flow()
        let directives = script.run(&flow, .unkeyed(orderID: Fixtures.orderID))
        guard case .failed(let failure, _) = directives.replies.first else {
            Issue.record("no failure reply")
            return
        }
        #expect(failure.code == .unavailable && failure.status == 503 && failure.retryAfter == 1)
        #expect(failure.message.hasPrefix("the order queue is down; "), "\(failure.message)")
        #expect(failure.message.contains("Idempotency-Key"))
        #expect(!directives.contains { if case .reply(.decided) = $0 { true } else { false } })
    }

    @Test func aRetryAfterAnApprovalOnlyEnqueuesAndRecordsTheDecisionAsRetried() {
        let approval = CheckoutDecision.decide(
            verification: VerificationResult(failures: []),
            fraud: FraudAssessment(score: 0.2, threshold: 0.5, rulesFired: []), suggestions: .success(Fixtures.books))
        var script = Script()
        script.verification = .failure(StrangeError())  // must not be asked again
        var flow = Fixtures.flow()
        let directives = script.run(&flow, .keyed(.retry(orderID: Fixtures.orderID, decided: approval)))
        #expect(directives.asks == 0)
        #expect(directives.logLines.first?.message == "checkout retried")
        #expect(directives.tickets.map(\.orderId) == [Fixtures.orderID])
        #expect(directives.decisionsRecorded.map(\.retried) == [true])
        #expect(directives.replies == [.decided(orderID: Fixtures.orderID, decision: approval)])
        #expect(directives.memories == [.finalReply])
    }

    @Test func aRetryWithoutAnApprovalAsksTheServicesAgainForTheSameOrder() {
        var flow = Fixtures.flow()
        let directives = Script().run(&flow, .keyed(.retry(orderID: Fixtures.orderID, decided: nil)))
        #expect(directives.asks == 1)
        #expect(directives.tickets.map(\.orderId) == [Fixtures.orderID])
        #expect(directives.decisionsRecorded.map(\.retried) == [true])
    }

    @Test func aRepeatedKeyGetsTheFirstReplyAgainWithoutAnotherOrder() {
        var table = Table()
        let body = Array("{\"status\":\"Order Approved\"}".utf8)
        var first = Fixtures.flow()
        let admission = table.admit(key: "k", digest: "d", freshOrderID: Fixtures.orderID, now: 0)
        let firstRun = Script().run(&first, .keyed(admission))
        for case .remember(let memory) in firstRun {
            #expect(memory == .finalReply)
            table.finish(key: "k", state: .final(.init(status: 200, body: body)), now: 1)
        }
        var second = Fixtures.flow()
        let again = table.admit(key: "k", digest: "d", freshOrderID: "another-order", now: 2)
        let directives = Script().run(&second, .keyed(again))
        #expect(directives.asks == 0 && directives.tickets.isEmpty && directives.memories.isEmpty)
        #expect(directives.replies == [.replayed(.init(status: 200, body: body))])
        #expect(directives.replies.first?.outcomeLabel == "replayed")
        #expect(second.orderID == Fixtures.orderID, "the replay names the first order")
        #expect(second.phase == .done)
    }

    @Test func aKeyReusedWithAnotherBodyIsA409NamingTheFirstOrder() {
        var flow = Fixtures.flow()
        let directives = Script().run(&flow, .keyed(.otherBody(orderID: Fixtures.orderID)))
        guard case .failed(let failure, let orderID) = directives.replies.first else {
            Issue.record("no failure reply")
            return
        }
        #expect(orderID == Fixtures.orderID)
        #expect(failure.status == 409 && failure.code == .conflict && failure.retryAfter == nil)
        #expect(failure.message.contains(Fixtures.orderID))
        #expect(directives.asks == 0 && directives.memories.isEmpty)
    }

    @Test func aKeyStillInFlightIsA409ToRetryLater() {
        var flow = Fixtures.flow()
        let directives = Script().run(&flow, .keyed(.busy(orderID: Fixtures.orderID)))
        guard case .failed(let failure, _) = directives.replies.first else {
            Issue.record("no failure reply")
            return
        }
        #expect(failure.status == 409 && failure.retryAfter == 1 && failure.outcomeLabel == "conflict")
        #expect(directives.asks == 0 && directives.memories.isEmpty)
    }

    @Test func inputsOutOfTurnAreIgnored() {
        var flow = Fixtures.flow()
        #expect(flow.onEnqueue(.success(())).isEmpty, "nothing to enqueue before the request")
        #expect(flow.onVerification(.success(VerificationResult(failures: []))).isEmpty)
        _ = flow.onRequest(.unkeyed(orderID: Fixtures.orderID))
        #expect(flow.onRequest(.unkeyed(orderID: "other")).isEmpty, "one request per flow")
        #expect(flow.onEnqueue(.success(())).isEmpty, "no enqueue while asking")
        #expect(flow.onVerification(.success(VerificationResult(failures: []))).isEmpty)
        #expect(flow.onVerification(.failure(StrangeError())).isEmpty, "a second answer is ignored")
        _ = flow.onFraud(.success(FraudAssessment(score: 0, threshold: 0.5, rulesFired: [])))
        let enqueue = flow.onSuggestions(.success(SuggestionResult(books: [])))
        #expect(enqueue.tickets.count == 1, "the first verification answer counted")
        #expect(flow.onSuggestions(.failure(StrangeError())).isEmpty)
        #expect(flow.onEnqueue(.success(())).replies.count == 1)
        #expect(flow.onEnqueue(.success(())).isEmpty, "replied once")
    }
}
