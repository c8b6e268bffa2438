import Election
import Testing

/// `Epoch`'s one text parser: `term.leader`, as `description` prints it.
struct EpochTextTests {
    @Test func parsesWhatDescriptionPrints() {
        for epoch in [Epoch.none, Epoch(term: 3, leader: 2), Epoch(term: Epoch.maxTerm, leader: 1024)] {
            #expect(Epoch(epoch.description) == epoch)
        }
    }

    @Test func refusesTextThatIsNotTwoNumbers() {
        for text in ["", "3", "3.2.1", "a.2", "3.b", "-1.2", "3.2 ", "3,2", "3.\u{301}2"] {
            #expect(Epoch(text) == nil, "\(text)")
        }
    }

    /// The one-pass parser of plain `digits.digits` answers what splitting on the dot and parsing each part answers,
    /// for every text: plain, signed, empty parts, extra dots, overflow at the edges, other bytes.
    @Test func onePassParserAgreesWithSplittingParser() {
        var texts = [
            "0.0", "007.08", "18446744073709551615.1", "18446744073709551616.1", "1.9223372036854775807",
            "1.9223372036854775808", "1.18446744073709551615", "3..2", ".3.2", "3.2.", "+3.2", "3.+2", "3.-2", ".",
            "..", "3.", ".2", "٣.2", "3.2\u{0}",
        ]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789..+- a")
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...24, using: &generator)
            texts.append(String((0..<count).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for text in texts {
            #expect(Epoch(text) == splittingParser(text), "\(text)")
        }
    }

    /// The general parser, as it was before the one-pass path.
    private func splittingParser(_ text: String) -> Epoch? {
        let parts = text.utf8.split(separator: UInt8(ascii: "."))
        guard parts.count == 2, let term = UInt64(Substring(parts[0])), let leader = Int(Substring(parts[1])) else {
            return nil
        }
        return Epoch(term: term, leader: leader)
    }

    @Test func validatingKeepsTheWireBounds() {
        #expect(Epoch(validating: "2.3") == Epoch(term: 2, leader: 3))
        #expect(Epoch(validating: "0.0") == nil)
        #expect(Epoch(validating: "1.1025") == nil)
        #expect(Epoch(validating: "\((1 << 53) + 1).1") == nil)
    }
}
