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

    @Test func validatingKeepsTheWireBounds() {
        #expect(Epoch(validating: "2.3") == Epoch(term: 2, leader: 3))
        #expect(Epoch(validating: "0.0") == nil)
        #expect(Epoch(validating: "1.1025") == nil)
        #expect(Epoch(validating: "\((1 << 53) + 1).1") == nil)
    }
}
