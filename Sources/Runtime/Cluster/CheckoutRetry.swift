import Foundation
import RPC
import WireJSON

/// How the load generator sends one checkout: with an `Idempotency-Key`, and again with the same key after a
/// 503 (a service or the queue down, the queue full, the orchestrator stopping), a 409 that asks to retry (the
/// first request with the key is still being handled) or a transport failure, with exponential backoff and
/// jitter, at most `maxRetries` times. So an order the orchestrator stored but could not confirm is settled by
/// the retry, and every order reported approved was stored by the queue.
public struct CheckoutRetry: Sendable {
    /// Retries after the first attempt (0: never retry).
    public var maxRetries: Int
    /// The wait before the first retry; it doubles for each further one, up to `maxBackoff`.
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(maxRetries: Int = 5, initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(1)) {
        self.maxRetries = max(0, maxRetries)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// How one order ended.
    public struct Sent: Sendable, Equatable {
        /// `approved`, `rejected`, `http_<status>` or `transport_error` (of the last attempt).
        public var outcome: String
        /// The order id of an approved or rejected order.
        public var orderID: String?
        public var retries: Int
        /// True when the last attempt still asked to be retried.
        public var gaveUp: Bool
    }

    /// What one response means (pure).
    public struct Answer: Sendable, Equatable {
        public var outcome: String
        public var orderID: String?
        public var retryable: Bool

        public init(outcome: String, orderID: String?, retryable: Bool) {
            self.outcome = outcome
            self.orderID = orderID
            self.retryable = retryable
        }
    }

    /// Sends `body` with `key` until it gets a final answer or runs out of retries.
    func send<G: RandomNumberGenerator>(body: Data, key: String, client: RPCClient, jitter: inout G) -> Sent {
        var retries = 0
        while true {
            let answer: Answer
            do {
                let response = try client.request(
                    "POST", "/checkout", body: body,
                    headers: [("Content-Type", "application/json"), ("Idempotency-Key", key)])
                answer = Self.classify(status: response.status, headers: response.headers, body: response.body)
            } catch {
                answer = Answer(outcome: "transport_error", orderID: nil, retryable: true)
            }
            guard answer.retryable, retries < maxRetries else {
                return Sent(
                    outcome: answer.outcome, orderID: answer.orderID, retries: retries, gaveUp: answer.retryable)
            }
            let pause = delay(beforeRetry: retries, jitter: Double.random(in: 0..<1, using: &jitter))
            Thread.sleep(forTimeInterval: Double(pause.wholeNanoseconds) / 1e9)
            retries += 1
        }
    }

    /// The wait before retry number `retry` (0-based): `initialBackoff · 2^retry`, at most `maxBackoff`, scaled by
    /// 0.5 + 0.5 · `jitter` (jitter in 0..<1) so that clients refused together do not come back together.
    public func delay(beforeRetry retry: Int, jitter: Double) -> Duration {
        let base = Double(initialBackoff.wholeNanoseconds) * pow(2, Double(min(retry, 30)))
        let capped = min(base, Double(maxBackoff.wholeNanoseconds))
        return .nanoseconds(Int64(capped * (0.5 + 0.5 * min(max(jitter, 0), 1))))
    }

    /// Reads a checkout response: 200 is final (approved or rejected); 503 and a 409 with `Retry-After` ask for a
    /// retry; anything else is a final failure.
    public static func classify(status: Int, headers: [(String, String)], body: Data) -> Answer {
        if status == 200, let reply = Reply.decode(body) {
            let approved = reply.status == "Order Approved"
            return Answer(outcome: approved ? "approved" : "rejected", orderID: reply.orderId, retryable: false)
        }
        let asksLater = headers.contains { $0.0.lowercased() == "retry-after" }
        return Answer(outcome: "http_\(status)", orderID: nil, retryable: status == 503 || (status == 409 && asksLater))
    }

    /// The fields of an `OrderStatusResponse` the load generator reads (the others are skipped).
    struct Reply: Decodable, WireDecodable, Equatable {
        var orderId: String
        var status: String

        init(orderId: String, status: String) {
            self.orderId = orderId
            self.status = status
        }

        init(wire reader: inout JSONReader) throws(WireDecodingError) {
            var (orderId, status): (String?, String?)
            try readFields(["orderId", "status"], &reader) { (field, reader) throws(WireDecodingError) in
                if field == 0 { orderId = try reader.readString() } else { status = try reader.readString() }
            }
            self.init(orderId: try required(orderId), status: try required(status))
        }

        /// The byte-level reader, and Foundation's for anything it leaves (escapes, other spellings); nil when
        /// neither reads the body.
        static func decode(_ body: Data) -> Reply? {
            let fast = body.withUnsafeBytes { Reply.decode(wire: $0) }
            switch fast {
            case .decoded(let reply): return reply
            case .fallback: return try? JSONDecoder().decode(Reply.self, from: body)
            case .refused: return nil
            }
        }
    }
}
