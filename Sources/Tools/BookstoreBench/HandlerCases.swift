import Catalog
import Checkout
import ClusterProtocol
import Foundation
import FraudModel
import RPC
import Services
import WireJSON

/// The handlers `bookstore-bench handlers` measures, each as two closures doing the same work (decode the
/// request, run the handler's logic, encode the reply) with Foundation's coders and with the byte-level codecs.
/// Each returns a digest (reply size plus what the logic found) so the benchmark can check that they agree.
struct HandlerCases {
    struct Case {
        var name: String
        var foundation: () -> Int
        var wire: () -> Int
    }

    let all: [Case]

    /// The body the course's page sends by default (docs: checkout-contract.md), with a 2028 card.
    static let courseBody = Data(
        #"""
        {"user":{"name":"John Doe","contact":"john.doe@example.com"},"creditCard":{"number":"4111111111111111",
        "expirationDate":"12/28","cvv":"123"},"userComment":"Please handle with care.","items":[{"name":"Book A",
        "quantity":1},{"name":"Book B","quantity":2}],"discountCode":"","shippingMethod":"Standard","giftMessage":"",
        "billingAddress":{"street":"123 Main St","city":"Springfield","state":"IL","zip":"62701","country":"USA"},
        "giftWrapping":true,"termsAccepted":true,"notificationPreferences":["email"],"device":{"type":"Smartphone",
        "model":"iPhone 12","os":"iOS 14"},"browser":{"name":"Safari","version":"14.0"},"appVersion":"3.0.0",
        "screenResolution":"1170x2532","referrer":"https://example.com","deviceLanguage":"en-US"}
        """#.utf8)

    init(model: FraudModel) throws {
        let order = try JSONCoding.decoder.decode(CheckoutRequest.self, from: Self.courseBody)
        let today = CalendarDate(year: 2026, month: 6)
        let verifier = TransactionVerifier()
        let rules = FraudRules()
        let engine = SuggestionEngine(catalog: .standard)
        let envelope = try JSONCoding.encoder.encode(OrderEnvelope(orderId: "bench-1", order: order))
        let suggest = try JSONCoding.encoder.encode(
            SuggestionRequest(orderId: "bench-1", orderedTitles: order.items?.compactMap(\.name) ?? [], count: 3))
        // Titles the load generator orders (`OrderMix`): catalog books, so the related-books lookup runs too.
        let suggestKnown = try JSONCoding.encoder.encode(
            SuggestionRequest(
                orderId: "bench-2", orderedTitles: ["Designing Data-Intensive Applications", "Dune", "The Hobbit"],
                count: 3))
        let ticket = try JSONCoding.encoder.encode(OrderTicket(orderId: "bench-1", order: order, traceId: "t"))
        let verify: (CheckoutRequest) -> VerificationResult = { verifier.verify($0, today: today) }
        // As the fraud service does it: the name and contact checks once, for the rules and the features.
        let assess: (CheckoutRequest) -> FraudAssessment = {
            let checks = ContactChecks($0)
            return FraudAssessment(
                score: model.score(OrderFeatures($0, checks: checks)), threshold: model.threshold,
                rulesFired: rules.evaluate($0, checks: checks))
        }
        all = [
            Case(
                name: "checkout decode+validate",
                foundation: { Self.validate(CheckoutDecoding.decodeWithFoundation(Self.courseBody), verify) },
                wire: { Self.validate(CheckoutDecoding.decode(Self.courseBody), verify) }),
            Self.service("verification", envelope, OrderEnvelope.self) { verify($0.order) },
            Self.service("fraud (rules + XGBoost)", envelope, OrderEnvelope.self) { assess($0.order) },
            Self.service("suggestions", suggest, SuggestionRequest.self) {
                SuggestionResult(books: engine.suggest(for: $0.orderedTitles, count: $0.count))
            },
            Self.service("suggestions (catalog titles)", suggestKnown, SuggestionRequest.self) {
                SuggestionResult(books: engine.suggest(for: $0.orderedTitles, count: $0.count))
            },
            Self.service("enqueue (queue side)", ticket, OrderTicket.self) { _ in
                EnqueueReply.stored(position: 3, depth: 7)
            },
            Self.enqueueClient(order: order),
            try Self.fanOutClient(order: order, results: (verify(order), assess(order), engine)),
        ]
    }

    private static func validate(
        _ decoded: Result<CheckoutRequest, CheckoutDecoding.Problem>, _ verify: (CheckoutRequest) -> VerificationResult
    ) -> Int {
        guard case .success(let order) = decoded else { return -1 }
        return verify(order).failures.count
    }

    /// A service handler: params decoded, `logic` run, the result encoded.
    private static func service<Params: Codable & WireDecodable, Reply: Codable & WireEncodable>(
        _ name: String, _ params: Data, _ type: Params.Type, _ logic: @escaping (Params) -> Reply
    ) -> Case {
        Case(
            name: name,
            foundation: {
                guard let decoded = try? JSONCoding.decoder.decode(Params.self, from: params),
                    let reply = try? JSONCoding.encoder.encode(logic(decoded))
                else { return -1 }
                return reply.count
            },
            wire: {
                guard let decoded = params.withUnsafeBytes({ Params.decode(wire: $0).value }),
                    let reply = logic(decoded).wireJSON
                else { return -1 }
                return reply.count
            })
    }

    /// The orchestrator's side of an enqueue: the ticket encoded, the reply decoded.
    private static func enqueueClient(order: CheckoutRequest) -> Case {
        let ticket = OrderTicket(orderId: "bench-1", order: order, traceId: "t")
        let reply = Data(#"{"stored":true,"position":3,"depth":7}"#.utf8)
        return Case(
            name: "enqueue (orchestrator side)",
            foundation: {
                guard let body = try? JSONCoding.encoder.encode(ticket),
                    let answer = try? JSONCoding.decoder.decode(EnqueueReply.self, from: reply)
                else { return -1 }
                return body.count + answer.depth
            },
            wire: {
                guard let body = ticket.wireJSON,
                    let answer = reply.withUnsafeBytes({ EnqueueReply.decode(wire: $0).value })
                else { return -1 }
                return body.count + answer.depth
            })
    }

    /// The orchestrator's side of the fan-out: the envelope encoded once, the three services' results decoded.
    private static func fanOutClient(
        order: CheckoutRequest, results: (VerificationResult, FraudAssessment, SuggestionEngine)
    ) throws -> Case {
        let message = OrderEnvelope(orderId: "bench-1", order: order)
        let suggestions = SuggestionResult(books: results.2.suggest(for: order.items?.compactMap(\.name) ?? []))
        let replies = (
            try JSONCoding.encoder.encode(results.0), try JSONCoding.encoder.encode(results.1),
            try JSONCoding.encoder.encode(suggestions)
        )
        return Case(
            name: "orchestrator fan-out codec",
            foundation: {
                guard let body = try? JSONCoding.encoder.encode(message),
                    let verification = try? JSONCoding.decoder.decode(VerificationResult.self, from: replies.0),
                    let fraud = try? JSONCoding.decoder.decode(FraudAssessment.self, from: replies.1),
                    let books = try? JSONCoding.decoder.decode(SuggestionResult.self, from: replies.2)
                else { return -1 }
                return body.count + verification.failures.count + fraud.rulesFired.count + books.books.count
            },
            wire: {
                guard let body = message.wireJSON,
                    let verification = replies.0.withUnsafeBytes({ VerificationResult.decode(wire: $0).value }),
                    let fraud = replies.1.withUnsafeBytes({ FraudAssessment.decode(wire: $0).value }),
                    let books = replies.2.withUnsafeBytes({ SuggestionResult.decode(wire: $0).value })
                else { return -1 }
                return body.count + verification.failures.count + fraud.rulesFired.count + books.books.count
            })
    }
}
