import SeededRandom
import Testing

@testable import Checkout

/// The byte-level name checks for ASCII text (`PersonName.isPlausibleASCII`, `ContactAddress.matchesNameASCII`)
/// give what the `Character` rules give, on seeded random names and addresses built from the pieces those rules
/// look at (letters, vowels, apostrophes, hyphens, periods, every kind of ASCII whitespace, honorifics,
/// placeholders, initials).
struct NameChecksFastPathTests {
    private static let namePieces = [
        "John", "DOE", "o'brien", "Mary-Jane", "St.", "a", "x", "aaa", "Bbb", "bcdfg", "rhythm", "Yvy", "Dr.", "jr",
        "Mr", "test", "Test", "user", "anonymous", "n/a", "7", "-", ".", "'", " ", "  ", "\t", "\n", "\r", "\r\n",
        "\u{0B}", "\u{0C}", "\u{1C}", "\u{1F}", "_", "Li", "Ng", "zzzz",
    ]

    private static let names: [String] = {
        var generator = SplitMix64(seed: 1509)
        var texts = [
            "", " ", "John Doe", " John Doe\r\n", "test test", "Test User", "J D", "Jo Do", "Xxx Yyy", "Bcdfg Doe",
            "John\r\nDoe", "\r\nJohn Doe", "Dr. John Doe Jr.", String(repeating: "ab ", count: 40),
            String(repeating: "Ann ", count: 60) + "Lee", String(repeating: "\r\n", count: 150) + "Ann Lee",
        ]
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 7)
            texts.append(
                (0..<count).map { _ in namePieces[Int(generator.next() % UInt64(namePieces.count))] }.joined())
        }
        return texts
    }()

    @Test func plausibilityAgreesWithTheCharacterRule() {
        let plausible = Self.names.filter(PersonName.isPlausibleCharacters)
        #expect(plausible.count > 500, "the samples hold too few plausible names to compare: \(plausible.count)")
        for name in Self.names {
            #expect(
                PersonName.isPlausibleASCII(name) == PersonName.isPlausibleCharacters(name), "\(name.debugDescription)")
        }
        #expect(PersonName.isPlausibleASCII("Jürgen Müller") == nil)
    }

    @Test func nameMatchingAgreesWithTheCharacterRule() {
        var generator = SplitMix64(seed: 3101)
        let locals = [
            "john", "jdoe", "jd", "j.doe", "doe", "maryjane", "mj", "obrien", "x", "7", " ", "\r\n", "_", "Jo", "jdo",
            "jbr", "jbc", "mst", "jdo7", "jli", "bdo", "jsdo",
        ]
        let domains = ["@example.com", "@x.io", "@", "@@a.b", ""]
        var matched = 0
        for index in 0..<40_000 {
            let name = Self.names[index % Self.names.count]
            let local = (0..<Int(generator.next() % 3 + 1)).map { _ in
                locals[Int(generator.next() % UInt64(locals.count))]
            }.joined()
            let contact = local + domains[Int(generator.next() % UInt64(domains.count))]
            guard ContactAddress.domain(of: contact) != nil else { continue }
            let expected = ContactAddress.matchesNameCharacters(contact, name: name)
            if expected && !PersonName.tokens(name).isEmpty { matched += 1 }
            #expect(
                ContactAddress.matchesNameASCII(contact, name: name) == expected,
                "\(contact.debugDescription) \(name.debugDescription)")
        }
        // Every local part against names of three and more words, where the initials and the
        // first-initial-and-surname rules decide.
        for name in ["John Mary Doe", "John Li DOE", "Jo Bo Doe", "Dr. John Mary-Jane Doe Jr.", "J. S. Doe"] {
            for local in locals {
                let contact = local + "@example.com"
                #expect(
                    ContactAddress.matchesNameASCII(contact, name: name)
                        == ContactAddress.matchesNameCharacters(contact, name: name), "\(contact) \(name)")
            }
        }
        #expect(matched > 300, "too few real matches among the samples: \(matched)")
        #expect(ContactAddress.matchesNameASCII("jm@x.com", name: "Jürgen Müller") == nil)
        #expect(ContactAddress.matchesNameASCII("jürgen@x.com", name: "Jurgen Muller") == nil)
    }

    @Test func asciiTokensAreTheCharacterTokens() {
        for name in Self.names {
            let expected = PersonName.tokens(name).map { $0.map { Array($0.utf8) } }
            #expect(PersonName.asciiTokens(name).map { $0.map { [$0] } } == expected, "\(name.debugDescription)")
        }
    }

    @Test func disposableLookupAgreesWithTheSuffixRule() {
        var generator = SplitMix64(seed: 4242)
        let labels = [
            "mailinator", "com", "yopmail", "fr", "grr", "la", "x", "mail", "sub", "", "é", "\u{301}", "MAILINATOR",
            "10minutemail", "net", "temp-mail", "org",
        ]
        var disposable = 0
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 4) + 1
            let domain = (0..<count).map { _ in labels[Int(generator.next() % UInt64(labels.count))] }
                .joined(separator: ".")
            let contact = "ann" + "@" + domain
            let expected = ContactAddress.isDisposableBySuffixes(contact)
            if expected { disposable += 1 }
            #expect(ContactAddress.isDisposable(contact) == expected, "\(contact.debugDescription)")
        }
        #expect(disposable > 200, "too few throwaway domains among the samples: \(disposable)")
    }
}
