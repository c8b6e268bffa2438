import Checkout
import Foundation
import Testing
import WireJSON

/// The fast reader on hostile and unusual input: it never traps, refuses what exceeds its bounds, and decodes a
/// value only when Foundation decodes the same value (everything else goes to Foundation).
@Suite("Wire reader")
struct WireReaderTests {
    private func fast(_ text: String, limits: WireLimits = .default) -> WireDecoding<CheckoutRequest> {
        CheckoutRequest.decode(wire: Array(text.utf8), limits: limits)
    }

    private func foundation(_ bytes: [UInt8]) -> CheckoutRequest? {
        try? JSONDecoder().decode(CheckoutRequest.self, from: Data(bytes))
    }

    @Test("escapes, surrogate pairs and unicode decode to what Foundation decodes")
    func escapesAndUnicode() throws {
        let body = #"{"userComment":"\u00e9\u00E9\ud83d\ude00\/\\\"\b\f\n\r\t\u0000 é😀 \u2028"}"#
        let value = try #require(fast(body).value)
        #expect(value == foundation(Array(body.utf8)))
        #expect(value.userComment == "éé😀/\\\"\u{8}\u{c}\n\r\t\u{0} é😀 \u{2028}")
    }

    @Test("malformed strings and numbers never decode fast: lone surrogates, bad escapes, raw control bytes")
    func malformedInputGoesToFoundation() {
        let inputs = [
            #"{"userComment":"\ud800"}"#, #"{"userComment":"\udc00\ud800"}"#, #"{"userComment":"\ud83d\u0041"}"#,
            #"{"userComment":"\x"}"#, "{\"userComment\":\"a\u{1}b\"}", #"{"userComment":"\u12"}"#,
            #"{"items":[{"quantity":1.5}]}"#, #"{"items":[{"quantity":01}]}"#, #"{"items":[{"quantity":-}]}"#,
            #"{"items":[{"quantity":9223372036854775808}]}"#, #"{"items":[{"quantity":1e2}]}"#,
            #"{"giftWrapping":1}"#, #"{"user":[]}"#, #"{"items":[null]}"#, #"{"a":1,}"#, #"{"a":[1,]}"#,
            "\u{FEFF}{}", #"{"a":1}x"#, "", "[]", #"{"\u0075ser":{}}"#, #"{"a":tru}"#, #"{"a":nul}"#, "{",
            #"{"a""#, #"{"a":"#,
        ]
        for input in inputs {
            guard case .fallback = fast(input) else {
                Issue.record("\(input.debugDescription) was not left to Foundation")
                continue
            }
        }
    }

    @Test("invalid UTF-8 anywhere in a string is left to Foundation, never decoded into a String")
    func invalidUTF8() {
        for bad: [UInt8] in [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF]] {
            let body = Array(#"{"userComment":"a"#.utf8) + bad + Array(#""}"#.utf8)
            guard case .fallback = CheckoutRequest.decode(wire: body) else {
                Issue.record("\(bad) decoded")
                continue
            }
            let unknown = Array(#"{"other":""#.utf8) + bad + Array(#""}"#.utf8)
            #expect(CheckoutRequest.decode(wire: unknown).value == nil)
        }
    }

    @Test("integers at Int's ends decode exactly; one past them goes to Foundation")
    func integerBounds() {
        #expect(fast(#"{"items":[{"quantity":9223372036854775807}]}"#).value?.items?[0].quantity == Int.max)
        #expect(fast(#"{"items":[{"quantity":-9223372036854775808}]}"#).value?.items?[0].quantity == Int.min)
        #expect(fast(#"{"items":[{"quantity":-0}]}"#).value?.items?[0].quantity == 0)
        #expect(fast(#"{"items":[{"quantity":-9223372036854775809}]}"#).value == nil)
    }

    @Test("bounds are final refusals: depth, array length, string length, total size")
    func boundsRefuse() {
        let limits = WireLimits(maxBytes: 4096, maxDepth: 8, maxStringBytes: 100, maxArrayCount: 10)
        let deep = #"{"x":"# + String(repeating: "[", count: 8) + String(repeating: "]", count: 8) + "}"
        let cases = [
            deep,
            #"{"notificationPreferences":["# + Array(repeating: #""a""#, count: 11).joined(separator: ",") + "]}",
            #"{"userComment":""# + String(repeating: "x", count: 101) + #""}"#,
            #"{"other":""# + String(repeating: "x", count: 101) + #""}"#,
            #"{"userComment":""# + String(repeating: "x", count: 4090) + #""}"#,
        ]
        for body in cases {
            guard case .refused(let reason) = fast(body, limits: limits) else {
                Issue.record("not refused: \(body.prefix(60))")
                continue
            }
            #expect(!reason.isEmpty)
        }
        let shallow = #"{"x":"# + String(repeating: "[", count: 7) + String(repeating: "]", count: 7) + "}"
        #expect(fast(shallow, limits: limits).value == CheckoutRequest())
        // The default depth bound stops a 100,000-deep body without recursion trouble.
        let hostile = "{\"x\":" + String(repeating: "[", count: 100_000)
        guard case .refused = fast(hostile) else {
            Issue.record("a 100,000-deep body was not refused")
            return
        }
    }

    @Test("every prefix of a valid body is refused or left to Foundation, never decoded as something else")
    func truncatedBodies() throws {
        let body = try #require(Fixtures.validOrder().wireJSON)
        for end in 0..<body.count {
            let prefix = Array(body[..<end])
            if let value = CheckoutRequest.decode(wire: prefix).value {
                Issue.record("prefix of \(end) bytes decoded to \(value)")
            }
        }
        #expect(CheckoutRequest.decode(wire: body).value == Fixtures.validOrder())
    }

    @Test("random byte changes: whenever the fast reader decodes, Foundation decodes the same value")
    func mutatedBodiesAgreeWithFoundation() throws {
        var generator = WireMessageGenerator(seed: 99)
        var decodedFast = 0
        for round in 0..<3000 {
            var body = try #require(generator.order().wireJSON)
            if !body.isEmpty {
                let index = Int.random(in: 0..<body.count, using: &generator.random)
                let bytes: [UInt8] = [0x22, 0x5C, 0x2C, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x20, 0x00, 0xFF, 0x31, 0x6E]
                switch round % 3 {
                case 0: body[index] = bytes.randomElement(using: &generator.random) ?? 0
                case 1: body.remove(at: index)
                default: body.insert(bytes.randomElement(using: &generator.random) ?? 0, at: index)
                }
            }
            guard let value = CheckoutRequest.decode(wire: body).value else { continue }
            decodedFast += 1
            #expect(value == foundation(body), "\(String(decoding: body, as: UTF8.self))")
        }
        #expect(decodedFast > 100, "the mutations left some bodies valid")
    }
}
