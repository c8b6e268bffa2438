import Checkout
import OrchestratorCore

/// A service call's failure for the tests, worded so that a test can see which wording was used.
struct FakeCallFailure: ServiceCallFailure {
    var peer: String
    var method: String
    var timedOut = false
    var overloadedMessage: String?

    func problem(subject: String) -> String { timedOut ? "\(subject) did not answer in time" : "\(subject) is down" }
    var description: String { "\(peer).\(method) failed" }
}

/// Not a service call's failure: the flow must treat it as an internal error.
struct StrangeError: Error {}

/// The services' answers a test scripts, and a driver that feeds them to a flow as its shell would.
struct Script {
    var verification: Result<VerificationResult, any Error> = .success(VerificationResult(failures: []))
    var fraud: Result<FraudAssessment, any Error> = .success(
        FraudAssessment(score: 0.1, threshold: 0.5, rulesFired: []))
    var suggestions: Result<SuggestionResult, any Error> = .success(SuggestionResult(books: Fixtures.books))
    var enqueue: Result<Void, any Error> = .success(())

    /// Every directive of the flow from `admission` to its end, answering asks and enqueues from the script.
    /// The answers of one ask are fed in the order verification, fraud, suggestions unless `order` says otherwise.
    func run(
        _ flow: inout CheckoutFlow, _ admission: CheckoutFlow.Admission,
        order: [Service] = [.verification, .fraud, .suggestions]
    ) -> [CheckoutDirective] {
        var done: [CheckoutDirective] = []
        var pending = flow.onRequest(admission)
        while !pending.isEmpty {
            let directive = pending.removeFirst()
            done.append(directive)
            switch directive {
            case .askServices:
                pending = order.flatMap { answer($0, to: &flow) } + pending
            case .enqueue:
                pending = flow.onEnqueue(enqueue) + pending
            default:
                break
            }
        }
        return done
    }

    enum Service { case verification, fraud, suggestions }

    private func answer(_ service: Service, to flow: inout CheckoutFlow) -> [CheckoutDirective] {
        switch service {
        case .verification: return flow.onVerification(verification)
        case .fraud: return flow.onFraud(fraud)
        case .suggestions: return flow.onSuggestions(suggestions)
        }
    }
}

enum Fixtures {
    static let books = [SuggestedBook(bookId: "b1", title: "Dune", author: "Frank Herbert")]
    static let order = CheckoutRequest(
        items: [.init(name: "Dune", quantity: 1), .init(name: "Emma", quantity: 2)], shippingMethod: "Express")
    static let orderID = "0193a1c2d3e47a5b8c9d0e1f2a3b4c5d"
    static let traceID = "0af7651916cd43dd8448eb211c80319c"

    static func flow() -> CheckoutFlow { CheckoutFlow(order: order, traceID: traceID) }
}

extension [CheckoutDirective] {
    /// The reply among the directives (exactly one is expected).
    var replies: [CheckoutReply] {
        compactMap { if case .reply(let reply) = $0 { reply } else { nil } }
    }

    var memories: [CheckoutMemory] {
        compactMap { if case .remember(let memory) = $0 { memory } else { nil } }
    }

    var tickets: [OrderTicket] {
        compactMap { if case .enqueue(let ticket) = $0 { ticket } else { nil } }
    }

    var asks: Int { filter { if case .askServices = $0 { true } else { false } }.count }

    var decisionsRecorded: [(orderID: String, decision: CheckoutDecision, retried: Bool)] {
        compactMap {
            if case .recordDecision(let orderID, let decision, let retried) = $0 {
                (orderID, decision, retried)
            } else {
                nil
            }
        }
    }

    var logLines: [CheckoutLogLine] { compactMap { if case .log(let line) = $0 { line } else { nil } } }
}
