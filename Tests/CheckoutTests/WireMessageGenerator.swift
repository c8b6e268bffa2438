import SeededRandom

@testable import Checkout

/// Random messages for the codec tests: every optional present or absent, strings with quotes, backslashes,
/// control characters, slashes, DEL, accents, U+2028 and emoji, integers to both ends of `Int`, doubles of
/// every magnitude.
struct WireMessageGenerator {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    private static let pieces: [String] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\t", "\n", "\u{c}", "\r", "\u{1f}", "\u{7f}",
        "é", "ß", "\u{2028}", "€", "書", "😀", "👍🏽", "John", "4111 1111", "12/27", "<script>", "\u{FEFF}",
    ]

    mutating func string() -> String {
        let count = Int.random(in: 0...8, using: &random)
        return (0..<count).map { _ in Self.pieces.randomElement(using: &random) ?? "" }.joined()
    }

    mutating func maybe<T>(_ make: (inout Self) -> T) -> T? {
        Bool.random(using: &random) ? make(&self) : nil
    }

    mutating func int() -> Int {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return [Int.min, Int.max, 0, -1, 1].randomElement(using: &random) ?? 0
        case 1: return Int.random(in: -1000...1000, using: &random)
        default: return Int(truncatingIfNeeded: random.next())
        }
    }

    mutating func double() -> Double {
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            return [0, -0.0, 1, 0.5, 1e-7, 1e21, 1e16, 5e-324, .greatestFiniteMagnitude].randomElement(using: &random)
                ?? 0
        case 1: return Double.random(in: 0...1, using: &random)
        case 2: return Double(Int.random(in: -100_000...100_000, using: &random))
        case 3: return Double(bitPattern: random.next() & ~(0x7FF << 52))  // subnormal and small
        default:
            let value = Double(bitPattern: random.next())
            return value.isFinite ? value : 1.5
        }
    }

    mutating func order() -> CheckoutRequest {
        var order = CheckoutRequest(
            user: maybe { .init(name: $0.maybe { $0.string() }, contact: $0.maybe { $0.string() }) },
            creditCard: maybe {
                .init(
                    number: $0.maybe { $0.string() }, expirationDate: $0.maybe { $0.string() },
                    cvv: $0.maybe { $0.string() })
            },
            userComment: maybe { $0.string() }, items: maybe { $0.items() }, discountCode: maybe { $0.string() },
            shippingMethod: maybe { $0.string() }, giftMessage: maybe { $0.string() },
            billingAddress: maybe { $0.address() }, shippingAddress: maybe { $0.address() },
            giftWrapping: maybe { Bool.random(using: &$0.random) },
            termsAndConditionsAccepted: maybe { Bool.random(using: &$0.random) },
            termsAccepted: maybe { Bool.random(using: &$0.random) })
        order.notificationPreferences = maybe { generator in (0..<2).map { _ in generator.string() } }
        order.device = maybe {
            .init(type: $0.maybe { $0.string() }, model: $0.maybe { $0.string() }, os: $0.maybe { $0.string() })
        }
        order.browser = maybe { .init(name: $0.maybe { $0.string() }, version: $0.maybe { $0.string() }) }
        order.appVersion = maybe { $0.string() }
        order.screenResolution = maybe { $0.string() }
        order.referrer = maybe { $0.string() }
        order.deviceLanguage = maybe { $0.string() }
        return order
    }

    mutating func items() -> [CheckoutRequest.Item] {
        (0..<Int.random(in: 0...3, using: &random)).map { _ in
            .init(name: maybe { $0.string() }, quantity: maybe { $0.int() })
        }
    }

    mutating func address() -> CheckoutRequest.Address {
        .init(
            street: maybe { $0.string() }, city: maybe { $0.string() }, state: maybe { $0.string() },
            zip: maybe { $0.string() }, country: maybe { $0.string() })
    }

    mutating func findings() -> [Finding] {
        (0..<Int.random(in: 0...3, using: &random)).map { _ in
            Finding(code: string(), field: maybe { $0.string() }, message: string())
        }
    }

    mutating func ticket() -> OrderTicket {
        OrderTicket(
            orderId: string(), items: items(), shippingMethod: maybe { $0.string() }, country: maybe { $0.string() },
            traceId: maybe { $0.string() }, parentSpanId: maybe { $0.string() })
    }

    mutating func verification() -> VerificationResult {
        var result = VerificationResult(failures: findings())
        if Int.random(in: 0..<4, using: &random) == 0 { result.valid.toggle() }  // as a peer may send it
        return result
    }

    mutating func fraud() -> FraudAssessment {
        var assessment = FraudAssessment(score: double(), threshold: double(), rulesFired: findings())
        if Int.random(in: 0..<4, using: &random) == 0 { assessment.fraudulent.toggle() }
        return assessment
    }

    mutating func suggestionRequest() -> SuggestionRequest {
        SuggestionRequest(orderId: string(), orderedTitles: (0..<2).map { _ in string() }, count: int())
    }

    mutating func suggestions() -> SuggestionResult {
        SuggestionResult(
            books: (0..<Int.random(in: 0...3, using: &random)).map { _ in
                SuggestedBook(bookId: string(), title: string(), author: string())
            })
    }
}
