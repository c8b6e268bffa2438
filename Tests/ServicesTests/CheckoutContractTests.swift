import Cluster
import Foundation
import RPC
import Services
import Testing

/// The checkout contract that real clients speak (../shared/notes/checkout-contract.md), against the services
/// running in this process on loopback.
@Suite("POST /checkout contract", .serialized)
final class CheckoutContractTests {
    let cluster: InProcessCluster
    let client: RPCClient

    init() throws {
        cluster = try InProcessCluster(tracesDirectory: nil) { $0.fraudModel = fraudModelPath }
        client = orchestratorClient(cluster.orchestratorURL)
    }

    deinit { cluster.stop() }

    func post(_ body: String, contentType: String = "text/plain;charset=UTF-8") throws -> HTTPResponse {
        try client.request("POST", "/checkout", body: Data(body.utf8), headers: [("Content-Type", contentType)])
    }

    @Test func coursePageBodySentAsTextPlainIsApprovedWithSuggestions() throws {
        let response = try post(courseBody())
        #expect(response.status == 200)
        let body = try #require(jsonObject(response.body))
        #expect(body["status"] as? String == "Order Approved", "\(body)")
        let books = try #require(body["suggestedBooks"] as? [[String: Any]])
        #expect(books.count == 3)
        #expect(books.allSatisfy { $0["bookId"] is String && $0["title"] is String && $0["author"] is String })
        let orderID = try #require(body["orderId"] as? String)
        #expect(OrderID.isValid(orderID), "a UUIDv7 in 32 lowercase hex digits: \(orderID)")
        #expect((body["traceId"] as? String)?.count == 32)
        #expect(body["traceId"] as? String != orderID, "the order id is not the trace id")
        let clock = try #require(body["vectorClock"] as? [String: Int])
        for node in ["orchestrator", "verification", "fraud", "suggestions", "queue"] {
            #expect((clock[node] ?? 0) > 0, "the merged clock knows \(node): \(clock)")
        }
    }

    @Test func formEncodedAndJSONContentTypesAreReadTheSame() throws {
        for type in ["application/json", "application/x-www-form-urlencoded", "text/plain"] {
            let body = try #require(jsonObject(try post(courseBody(), contentType: type).body))
            #expect(body["status"] as? String == "Order Approved", "\(type): \(body)")
        }
    }

    @Test func theCourseDefaultCardHasExpiredSoTheOrderIsRejectedWithAnEmptySuggestionList() throws {
        let response = try post(courseBody(expiry: "12/25"))
        #expect(response.status == 200)
        let body = try #require(jsonObject(response.body))
        #expect(body["status"] as? String == "Order Rejected")
        #expect((body["suggestedBooks"] as? [Any])?.isEmpty == true, "suggestedBooks is always an array")
        let reasons = try #require(body["reasons"] as? [[String: Any]])
        #expect(reasons.contains { $0["code"] as? String == "card_expired" }, "\(reasons)")
    }

    @Test func answersCarryCORSAndPreflightIsAnswered() throws {
        let response = try post(courseBody())
        #expect(response.headers.contains { $0.0.lowercased() == "access-control-allow-origin" && $0.1 == "*" })
        let preflight = try client.request(
            "OPTIONS", "/checkout",
            headers: [
                ("Origin", "http://localhost:8080"), ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type"),
            ])
        #expect(preflight.status == 204)
        let headers = Dictionary(preflight.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { a, _ in a })
        #expect(headers["access-control-allow-origin"] == "*")
        #expect(headers["access-control-allow-methods"]?.contains("POST") == true)
        #expect(headers["access-control-allow-headers"]?.contains("content-type") == true)
    }

    @Test(arguments: [
        ("", "invalid_request"), ("   ", "invalid_request"), ("{\"user\": ", "parse_error"),
        ("[1,2]", "invalid_request"),
        ("\"just a string\"", "invalid_request"), ("{\"items\": \"many\"}", "invalid_params"),
        ("{\"items\":[{\"name\":\"Dune\",\"quantity\":1e30}]}", "invalid_params"),
        ("{\"user\":{\"name\":42}}", "invalid_params"),
    ])
    func malformedBodiesGet400WithAJSONError(body: String, code: String) throws {
        let response = try post(body)
        #expect(response.status == 400, "\(body)")
        let error = try #require(jsonObject(response.body)?["error"] as? [String: Any], "\(body)")
        #expect(error["code"] as? String == code, "\(body): \(error)")
        #expect((error["message"] as? String)?.isEmpty == false)
    }

    @Test(arguments: [
        ("1e308", "items[0].quantity is out of range"), ("-1e308", "items[0].quantity is out of range"),
        ("9223372036854775808", "items[0].quantity is out of range"),
        ("99999999999999999999999", "items[0].quantity is out of range"),
        ("2.5", "items[0].quantity is not a whole number"),
    ])
    func aQuantityThatIsValidJSONButNoIntegerIsNamedNotCalledInvalidJSON(quantity: String, expected: String) throws {
        let response = try post("{\"items\":[{\"name\":\"Dune\",\"quantity\":\(quantity)}],\"termsAccepted\":true}")
        #expect(response.status == 400)
        let error = try #require(jsonObject(response.body)?["error"] as? [String: Any])
        #expect(error["code"] as? String == "invalid_params")
        let message = try #require(error["message"] as? String)
        #expect(message.contains(expected), "\(quantity): \(message)")
        #expect(!message.contains("not valid JSON"))
    }

    @Test func invalidUTF8GetsAClearError() throws {
        var bytes = Data(courseBody().utf8)
        bytes.insert(contentsOf: [0xFF, 0xFE, 0xC3], at: 20)
        let response = try client.request("POST", "/checkout", body: bytes)
        #expect(response.status == 400)
        #expect((jsonObject(response.body)?["error"] as? [String: Any])?["message"] as? String != nil)
    }

    @Test func hostileOrdersAreRejectedWithReasonsNotCrashes() throws {
        let items = (0..<10_000).map { "{\"name\":\"Book \($0)\",\"quantity\":1}" }.joined(separator: ",")
        let huge = String(repeating: "x", count: 300_000)
        let cases = [
            "{\"items\":[\(items)],\"termsAccepted\":true}",
            courseBody().replacingOccurrences(of: "\"quantity\":1}", with: "\"quantity\":-5}"),
            courseBody().replacingOccurrences(of: "\"quantity\":2}", with: "\"quantity\":9223372036854775807}"),
            courseBody().replacingOccurrences(of: "Please handle with care.", with: huge),
            courseBody().replacingOccurrences(of: "John Doe", with: "🦄🦄🦄 \\u0000"),
            "{}",
        ]
        for body in cases {
            let response = try post(body)
            #expect(response.status == 200, "\(body.prefix(80))")
            let reply = try #require(jsonObject(response.body), "\(body.prefix(80))")
            #expect(reply["status"] as? String == "Order Rejected", "\(body.prefix(80))")
            #expect(((reply["reasons"] as? [Any])?.count ?? 0) > 0)
            #expect(reply["suggestedBooks"] is [Any])
        }
        // The services are still up.
        #expect(try jsonObject(post(courseBody()).body)?["status"] as? String == "Order Approved")
    }

    @Test func oversizedBodyGets413() throws {
        let response = try post("{\"userComment\":\"" + String(repeating: "y", count: 2 << 20) + "\"}")
        #expect(response.status == 413)
        #expect((jsonObject(response.body)?["error"] as? [String: Any])?["code"] as? String == "payload_too_large")
    }

    @Test func aServiceThatIsDownGives503NamingItWithinTheDeadline() throws {
        let degraded = try InProcessCluster(tracesDirectory: nil) { config in
            config.fraudModel = fraudModelPath
            config.deadlines.fraudMs = 300
        }
        defer { degraded.stop() }
        degraded.stop(.fraud)
        let started = ContinuousClock.now
        let response = try orchestratorClient(degraded.orchestratorURL).request(
            "POST", "/checkout", body: Data(courseBody().utf8))
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(response.status == 503)
        let error = try #require(jsonObject(response.body)?["error"] as? [String: Any])
        #expect((error["message"] as? String)?.contains("fraud") == true, "\(error)")
        #expect(error["code"] as? String == "unavailable")
    }

    @Test func healthAndPageAnswer() throws {
        let health = try client.request("GET", "/healthz")
        #expect(health.status == 200)
        let page = try client.request("GET", "/")
        #expect(page.status == 200)
        #expect(page.headers.contains { $0.0.lowercased() == "content-type" && $0.1.hasPrefix("text/html") })
    }
}
