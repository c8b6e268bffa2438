import SeededRandom
import Testing

@testable import Checkout

/// The byte-level paths for ASCII text (trimming, an address's domain, e-mail plausibility) give what the
/// `Character` rules give, on seeded random ASCII built from the characters those rules look at.
struct ASCIIFastPathTests {
    private static let samples: [String] = {
        var generator = SplitMix64(seed: 2026)
        let pieces = [
            "a", "Z", "john", "DOE", "7", "@", "@@", ".", "..", "-", "_", "+", " ", "  ", "\t", "\n", "\r", "\r\n",
            "\u{0B}", "\u{0C}", "\u{1C}", "\u{1F}", "\u{7F}", "example", "com", "Mail", "x.y", "'", "\"", "(", "0",
        ]
        var texts = ["", " ", "\r\n", " \r\n ", "a@b.c", " a@b.c\r\n", "\ta@b.c\t", "@b.c", "a@b.", "a@b@c.d"]
        texts.append(String(repeating: "a", count: 65) + "@example.com")
        texts.append("a@" + String(repeating: "b", count: 250) + ".com")
        for _ in 0..<30_000 {
            let count = Int(generator.next() % 9)
            texts.append((0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined())
        }
        // Shaped like addresses, so that many pass and the label and length rules are reached.
        let local = ["a", "Z", "john", "7", "-", "_", ".", "+", " ", String(repeating: "q", count: 60)]
        let label = ["example", "com", "Mail", "x", "-", "7", "", "_", "a-b", "\t"]
        let around = ["", " ", "\t", "\r\n", "\n"]
        func pick(_ from: [String], _ count: Int) -> String {
            (0..<count).map { _ in from[Int(generator.next() % UInt64(from.count))] }.joined()
        }
        for _ in 0..<10_000 {
            let labels = (0..<Int(generator.next() % 3 + 1)).map { _ in pick(label, Int(generator.next() % 2 + 1)) }
            texts.append(
                pick(around, 1) + pick(local, Int(generator.next() % 3 + 1)) + "@" + labels.joined(separator: ".")
                    + pick(around, 1))
        }
        return texts
    }()

    @Test func trimmingAgreesWithTheCharacterRule() {
        for text in Self.samples {
            #expect(text.trimmingASCIIWhitespace == text.trimmingWhitespaceCharacters, "\(text.debugDescription)")
        }
        #expect("é ".trimmingASCIIWhitespace == nil)
    }

    @Test func domainAgreesWithTheCharacterRule() {
        for text in Self.samples {
            #expect(
                ContactAddress.asciiDomain(of: text) == .some(ContactAddress.domainOfCharacters(text)),
                "\(text.debugDescription)")
        }
    }

    @Test func emailPlausibilityAgreesWithTheCharacterRule() {
        let plausible = Self.samples.filter(ContactAddress.isPlausibleEmailCharacters)
        #expect(plausible.count > 100, "the samples hold too few addresses to compare: \(plausible.count)")
        for text in Self.samples {
            #expect(
                ContactAddress.isPlausibleASCIIEmail(text) == ContactAddress.isPlausibleEmailCharacters(text),
                "\(text.debugDescription)")
        }
    }
}
