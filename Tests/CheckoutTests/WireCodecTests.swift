import Checkout
import Foundation
import SeededRandom
import Testing
import WireJSON

/// The byte-level codecs against Foundation: the same bytes written, the same values read, whatever the
/// spelling (key order, whitespace, escapes, duplicate keys), for many generated messages.
@Suite("Wire codecs")
struct WireCodecTests {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]  // as `JSONCoding.encoder` on the wire
        return encoder
    }()

    /// Checks one message: fast bytes == Foundation bytes, both decoders read the bytes back to the value, and a
    /// respelling of the bytes (shuffled keys, whitespace, escapes) reads back to the same value with both.
    private static func check<Message: WireCodable & Codable & Equatable>(
        _ message: Message, _ random: inout SplitMix64, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let reference = [UInt8](try encoder.encode(message))
        let fast = try #require(message.wireJSON, sourceLocation: sourceLocation)
        // Foundation on Linux writes members in hash order, different in every process: the same members with the
        // same spelling make the same tree (keys sorted) and the same bytes in another order.
        #expect(
            Self.sameJSON(fast, reference), "\(String(decoding: fast, as: UTF8.self))", sourceLocation: sourceLocation)
        #expect(Message.decode(wire: reference).value == message, sourceLocation: sourceLocation)
        let parsed = try #require(WireTestJSON.parse(reference), sourceLocation: sourceLocation)
        let respelled = Array(parsed.respelled(&random).utf8)
        let viaFoundation = try JSONDecoder().decode(Message.self, from: Data(respelled))
        let viaWire = Message.decode(wire: respelled).value
        #expect(viaFoundation == message, sourceLocation: sourceLocation)
        #expect(
            viaWire == message, "respelled: \(String(decoding: respelled, as: UTF8.self))",
            sourceLocation: sourceLocation)
    }

    /// True when `a` and `b` are the same JSON up to the order of object members, spelled alike.
    static func sameJSON(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard let treeA = WireTestJSON.parse(a), let treeB = WireTestJSON.parse(b) else { return false }
        return treeA.sortingKeys == treeB.sortingKeys && a.sorted() == b.sorted()
    }

    @Test("checkout bodies: the same bytes as Foundation and the same values back, however respelled")
    func checkoutBodiesMatchFoundation() throws {
        var generator = WireMessageGenerator(seed: 15)
        var random = SplitMix64(seed: 3)
        for _ in 0..<600 {
            let order = generator.order()
            try Self.check(order, &random)
            try Self.check(OrderEnvelope(orderId: generator.string(), order: order), &random)
        }
    }

    @Test("service results, suggestion requests and order tickets match Foundation")
    func serviceMessagesMatchFoundation() throws {
        var generator = WireMessageGenerator(seed: 16)
        var random = SplitMix64(seed: 4)
        for _ in 0..<400 {
            try Self.check(generator.verification(), &random)
            try Self.check(generator.fraud(), &random)
            try Self.check(generator.suggestionRequest(), &random)
            try Self.check(generator.suggestions(), &random)
            try Self.check(generator.ticket(), &random)
        }
    }

    @Test("every character from U+0000 to U+00FF and the surrogate-pair range is written as Foundation writes it")
    func everyEscapeMatchesFoundation() throws {
        var scalars = (0...0xFF).compactMap(Unicode.Scalar.init)
        scalars += [0x2028, 0x2029, 0xFFFD, 0xFEFF, 0x10000, 0x1F600, 0x10FFFF].compactMap(Unicode.Scalar.init)
        for scalar in scalars {
            let finding = Finding(code: String(Character(scalar)), message: "x\(Character(scalar))y")
            let reference = [UInt8](try Self.encoder.encode(finding))
            #expect(
                Self.sameJSON(finding.wireJSON ?? [], reference),
                "U+\(scalar.value): \(String(decoding: finding.wireJSON ?? [], as: UTF8.self)) vs \(String(decoding: reference, as: UTF8.self))"
            )
        }
    }

    @Test("of two equal keys the first is kept, as Foundation keeps it, and the second must still be valid JSON")
    func duplicateKeysKeepTheFirstLikeFoundation() throws {
        let bodies = [
            #"{"userComment":"first","userComment":"second"}"#,
            #"{"userComment":"first","userComment":17}"#,
            #"{"items":[{"name":"a","quantity":1,"quantity":2,"name":"b"}],"items":null}"#,
            #"{"user":null,"user":{"name":"x"}}"#,
        ]
        for body in bodies {
            let reference = try JSONDecoder().decode(CheckoutRequest.self, from: Data(body.utf8))
            #expect(CheckoutRequest.decode(wire: Array(body.utf8)).value == reference, "\(body)")
        }
        #expect(CheckoutRequest.decode(wire: Array(#"{"userComment":"a","userComment":tru}"#.utf8)).value == nil)
    }

    @Test("null reads as absent for optional members and is left to Foundation for required ones")
    func nullsLikeFoundation() throws {
        let order = CheckoutRequest.decode(
            wire: Array(#"{"user":{"name":null},"items":null,"giftWrapping":null}"#.utf8))
        #expect(order.value == CheckoutRequest(user: .init()))
        guard case .fallback = OrderEnvelope.decode(wire: Array(#"{"orderId":null,"order":{}}"#.utf8)) else {
            Issue.record("a null required member must go to Foundation")
            return
        }
    }
}
