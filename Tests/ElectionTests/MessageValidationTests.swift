import Election
import Testing

/// What `BullyElection.problem(with:from:)` lets through to the state machine and what it drops.
@Suite("Election message validation")
struct MessageValidationTests {
    let two = BullyElection(id: 2, peers: [1, 2, 3])

    @Test func messagesFromConfiguredPeersWithSaneEpochsAreAccepted() {
        #expect(two.problem(with: .election(known: .none), from: 1) == nil)
        #expect(two.problem(with: .answer(known: Epoch(term: 4, leader: 3)), from: 3) == nil)
        #expect(two.problem(with: .coordinator(Epoch(term: 9, leader: 3)), from: 3) == nil)
        #expect(two.problem(with: .heartbeat(Epoch(term: Epoch.maxTerm, leader: 2)), from: 1) == nil)
    }

    @Test func aSenderThatIsNotAConfiguredPeerIsDropped() {
        #expect(two.problem(with: .heartbeat(Epoch(term: 1, leader: 3)), from: 7) != nil)
        #expect(two.problem(with: .election(known: .none), from: 2) != nil, "a node is not its own peer")
        #expect(two.problem(with: .election(known: .none), from: -1) != nil)
    }

    @Test func outOfRangeEpochsAreDropped() {
        #expect(two.problem(with: .coordinator(Epoch(term: .max, leader: 3)), from: 3) != nil)
        #expect(two.problem(with: .election(known: Epoch(term: Epoch.maxTerm + 1, leader: 1)), from: 1) != nil)
        #expect(two.problem(with: .coordinator(Epoch(term: 5, leader: 9)), from: 3) != nil, "unknown leader")
        #expect(two.problem(with: .heartbeat(Epoch(term: 0, leader: 3)), from: 3) != nil, "a leader has term ≥ 1")
        #expect(two.problem(with: .answer(known: Epoch(term: 0, leader: 5)), from: 1) != nil)
    }

    /// A dropped message never reaches the state machine; had it, the node would have adopted a term from which no
    /// new term can be taken.
    @Test func aRememberedEpochOutOfRangeIsNotTrusted() {
        var node = BullyElection(id: 3, peers: [1, 2, 3], remembered: Epoch(term: .max, leader: 3))
        #expect(node.highestSeen == .none)
        _ = node.start(now: 0)
        #expect(node.current == Epoch(term: 1, leader: 3))
    }
}
