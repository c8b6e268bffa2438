import Causality
import Checkout
import Foundation
import SeededRandom
import Testing

@testable import Services

/// The checkout reply written byte by byte (`OrderStatusResponse+Wire`) and the order ids written digit by digit
/// say the same as the Foundation encoding and the `String(radix:)` form they replaced.
@Suite("Checkout reply and order id encoding")
struct OrderStatusResponseWireTests {
    static let samples: [OrderStatusResponse] = [
        OrderStatusResponse(
            orderId: "0193a1c2d3e47a5b8c9d0e1f2a3b4c5d", status: OrderStatusResponse.approved,
            suggestedBooks: [
                SuggestedBook(bookId: "b-1", title: "Dune \"the first\"", author: "Frank Herbert"),
                SuggestedBook(bookId: "b-2", title: "Ça/va\n\té", author: "\u{1}ctrl"),
            ],
            reasons: [], fraudScore: 0.1, fraudThreshold: 0.75, traceId: "0af7651916cd43dd8448eb211c80319c",
            vectorClock: VectorClock(["orchestrator": 9, "fraud": 3, "verification": 4, "suggestions": 2])),
        OrderStatusResponse(
            orderId: "x", status: OrderStatusResponse.rejected, suggestedBooks: [],
            reasons: [
                Finding(code: "card_expired", field: "creditCard.expirationDate", message: "expired"),
                Finding(code: "fraud_score", message: "score 0.9 is above 0.5"),
            ],
            fraudScore: 12.0, fraudThreshold: 1e-7, traceId: "", vectorClock: VectorClock()),
        OrderStatusResponse(
            orderId: "y", status: OrderStatusResponse.rejected, suggestedBooks: [], reasons: [], fraudScore: nil,
            fraudThreshold: nil, traceId: "t", vectorClock: VectorClock(["orchestrator": UInt64.max])),
    ]

    @Test(arguments: samples)
    func theByteLevelReplyDecodesToTheSameValue(reply: OrderStatusResponse) throws {
        let bytes = try #require(reply.wireJSON)
        #expect(reply.body == bytes)
        #expect(try JSONDecoder().decode(OrderStatusResponse.self, from: Data(bytes)) == reply)
        // The same JSON as Foundation's, member for member (objects compared unordered).
        let ours = try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary
        let reference = try JSONSerialization.jsonObject(with: JSONEncoder().encode(reply)) as? NSDictionary
        #expect(ours != nil && ours == reference, "\(String(decoding: bytes, as: UTF8.self))")
    }

    @Test func aReplyWithANonFiniteScoreFallsBackToFoundationWhichRefusesIt() {
        var reply = Self.samples[0]
        reply.fraudScore = .infinity
        #expect(reply.wireJSON == nil)
        #expect(reply.body == Array("{}".utf8))
    }

    @Test func orderIDsAreTheDigitsOfTheOldStringForm() {
        var generator = SplitMix64(seed: 17)
        var reference = SplitMix64(seed: 17)
        for millis: UInt64 in [0, 1, 0x0193_a1c2_d3e4, 0xFFFF_FFFF_FFFF, 0x1_0000_0000_0005] {
            let id = OrderID.make(unixMillis: millis, using: &generator)
            let random = reference.next()
            let more = reference.next()
            let high = (millis & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (random & 0x0FFF)
            let low = 0x8000_0000_0000_0000 | (more & 0x3FFF_FFFF_FFFF_FFFF)
            func padded(_ value: UInt64) -> String {
                let text = String(value, radix: 16)
                return String(repeating: "0", count: 16 - text.count) + text
            }
            #expect(id == padded(high) + padded(low))
            #expect(OrderID.isValid(id))
            #expect(OrderID.unixMillis(of: id) == millis & 0xFFFF_FFFF_FFFF)
        }
    }
}
