import Causality
import Foundation
import SeededRandom
import Testing

// MARK: - Unit tests

@Test func tickIncrementsOnlyTheGivenNode() {
    var clock = VectorClock()
    clock.tick("a")
    clock.tick("a")
    clock.tick("b")
    #expect(clock["a"] == 2)
    #expect(clock["b"] == 1)
    #expect(clock["c"] == 0)
    #expect(clock.entries == ["a": 2, "b": 1])
}

@Test func mergeTakesTheEntrywiseMaximum() {
    var left = VectorClock(["a": 3, "b": 1])
    let right = VectorClock(["b": 5, "c": 2])
    left.merge(right)
    #expect(left == VectorClock(["a": 3, "b": 5, "c": 2]))
    #expect(VectorClock(["a": 3, "b": 1]).merged(with: right) == left)
}

@Test func mergeNeverLowersACounter() {
    var clock = VectorClock(["a": 7])
    clock.merge(VectorClock(["a": 2]))
    #expect(clock["a"] == 7)
}

@Test func receiveMergesTheMessageClockThenTicksTheReceiver() {
    var receiver = VectorClock(["server": 4, "client": 1])
    let message = VectorClock(["client": 6, "other": 2])
    receiver.receive(message, at: "server")
    #expect(receiver == VectorClock(["server": 5, "client": 6, "other": 2]))
}

@Test func receiveOnAFreshNodeStartsItsOwnEntryAtOne() {
    var receiver = VectorClock()
    receiver.receive(VectorClock(["client": 3]), at: "server")
    #expect(receiver == VectorClock(["client": 3, "server": 1]))
    #expect(VectorClock(["client": 3]).compare(receiver) == .before)
}

@Test func compareReportsBeforeAfterEqualAndConcurrent() {
    let a = VectorClock(["a": 1, "b": 2])
    let later = VectorClock(["a": 2, "b": 2])
    let concurrent = VectorClock(["a": 0, "b": 3, "c": 0])
    #expect(a.compare(later) == .before)
    #expect(later.compare(a) == .after)
    #expect(a.compare(VectorClock(["b": 2, "a": 1])) == .equal)
    #expect(a.compare(concurrent) == .concurrent)
    #expect(concurrent.compare(a) == .concurrent)
    #expect(VectorClock().compare(VectorClock()) == .equal)
    #expect(VectorClock().compare(a) == .before)
    #expect(a.compare(VectorClock()) == .after)
    // An entry only one side knows about decides the order.
    #expect(VectorClock(["a": 1]).compare(VectorClock(["a": 1, "z": 1])) == .before)
    #expect(VectorClock(["a": 1, "x": 1]).compare(VectorClock(["a": 1, "z": 1])) == .concurrent)
}

@Test func isDominatedMatchesCompare() {
    let small = VectorClock(["a": 1])
    let big = VectorClock(["a": 1, "b": 1])
    #expect(small.isDominated(by: big))
    #expect(small.isDominated(by: small))
    #expect(!big.isDominated(by: small))
    #expect(!VectorClock(["x": 1]).isDominated(by: big))
}

@Test func zeroEntriesEqualAbsentEntries() {
    let withZeros = VectorClock(["a": 1, "b": 0, "c": 0])
    let without = VectorClock(["a": 1])
    #expect(withZeros == without)
    #expect(withZeros.hashValue == without.hashValue)
    #expect(withZeros.entries == ["a": 1])
    #expect(withZeros.compare(without) == .equal)
    #expect(withZeros.description == #"{"a":1}"#)
    #expect(VectorClock(["a": 0]) == VectorClock())
    #expect(Set([withZeros, without]).count == 1)
}

@Test func encodesAsAFlatJSONObject() throws {
    let clock = VectorClock(["b": 2, "a": 1])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let text = String(decoding: try encoder.encode(clock), as: UTF8.self)
    #expect(text == #"{"a":1,"b":2}"#)
    let decoded = try JSONDecoder().decode(VectorClock.self, from: Data(text.utf8))
    #expect(decoded == clock)
}

@Test func decodesAFlatJSONObjectDroppingZeroCounters() throws {
    let decoded = try JSONDecoder().decode(VectorClock.self, from: Data(#"{"a":1,"b":0,"c":12}"#.utf8))
    #expect(decoded == VectorClock(["a": 1, "c": 12]))
    #expect(decoded.entries.keys.sorted() == ["a", "c"])
}

@Test func decodingRejectsNonObjectsAndNegativeCounters() {
    #expect(throws: (any Error).self) { try JSONDecoder().decode(VectorClock.self, from: Data("[1,2]".utf8)) }
    #expect(throws: (any Error).self) { try JSONDecoder().decode(VectorClock.self, from: Data(#"{"a":-1}"#.utf8)) }
    #expect(throws: (any Error).self) { try JSONDecoder().decode(VectorClock.self, from: Data(#"{"a":"1"}"#.utf8)) }
}

@Test func clockNestedInAStructRoundTripsThroughJSON() throws {
    struct Envelope: Codable, Equatable {
        var vc: VectorClock
        var name: String
    }
    let value = Envelope(vc: VectorClock(["orchestrator": 3, "fraud": 1]), name: "x")
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    #expect(String(decoding: data, as: UTF8.self) == #"{"name":"x","vc":{"fraud":1,"orchestrator":3}}"#)
    #expect(try JSONDecoder().decode(Envelope.self, from: data) == value)
}

@Test func descriptionIsSortedCompactJSON() throws {
    let clock = VectorClock(["zeta": 1, "alpha": 10, "mid": 3])
    #expect(clock.description == #"{"alpha":10,"mid":3,"zeta":1}"#)
    #expect(VectorClock().description == "{}")
    #expect(clock.sortedNodes == ["alpha", "mid", "zeta"])
    // The description is valid JSON that decodes back to the same clock.
    let decoded = try JSONDecoder().decode(VectorClock.self, from: Data(clock.description.utf8))
    #expect(decoded == clock)
}

@Test func descriptionEscapesNodeNames() throws {
    let clock = VectorClock(["we\"ird\\node\n": 2, "tab\there": 1, "bell\u{7}": 4])
    let text = clock.description
    #expect(!text.contains("\n"))
    #expect(text.contains(#"\u0007"#))
    let decoded = try JSONDecoder().decode(VectorClock.self, from: Data(text.utf8))
    #expect(decoded == clock)
}

// MARK: - Property tests

/// Random clocks over a small node set with small counters, so that every relation occurs often.
func randomClock(using generator: inout SplitMix64) -> VectorClock {
    var entries: [String: UInt64] = [:]
    for node in ["a", "b", "c"] where Bool.random(using: &generator) {
        entries[node] = UInt64.random(in: 0...2, using: &generator)
    }
    return VectorClock(entries)
}

/// `a ≤ b` in the happened-before order, defined independently of `compare`: entry-wise.
func lessOrEqual(_ a: VectorClock, _ b: VectorClock) -> Bool {
    ["a", "b", "c"].allSatisfy { a[$0] <= b[$0] }
}

let propertySeed: UInt64 = 0x5EED_C10C_2024_0001
let propertyCases = 400

/// A few clocks drawn from `seed`, plus counts of the relations seen.
func clockTriples(seed: UInt64, count: Int) -> [(VectorClock, VectorClock, VectorClock)] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        (randomClock(using: &generator), randomClock(using: &generator), randomClock(using: &generator))
    }
}

@Test func splitMixIsDeterministicForASeed() {
    var first = SplitMix64(seed: 42)
    var second = SplitMix64(seed: 42)
    var third = SplitMix64(seed: 43)
    let a = (0..<8).map { _ in first.next() }
    #expect(a == (0..<8).map { _ in second.next() })
    #expect(a != (0..<8).map { _ in third.next() })
    // Known first output of SplitMix64 for seed 0.
    var zero = SplitMix64(seed: 0)
    #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
}

@Test func compareAgreesWithTheEntrywiseOrderAndIsItsOwnMirror() {
    var seen: [CausalOrder: Int] = [:]
    for (index, (a, b, _)) in clockTriples(seed: propertySeed, count: propertyCases).enumerated() {
        let order = a.compare(b)
        seen[order, default: 0] += 1
        let expected: CausalOrder
        switch (lessOrEqual(a, b), lessOrEqual(b, a)) {
        case (true, true): expected = .equal
        case (true, false): expected = .before
        case (false, true): expected = .after
        case (false, false): expected = .concurrent
        }
        let context = "seed \(propertySeed) case \(index): a=\(a) b=\(b)"
        #expect(order == expected, "\(context)")
        let mirror: CausalOrder =
            switch order {
            case .before: .after
            case .after: .before
            case .equal: .equal
            case .concurrent: .concurrent
            }
        #expect(b.compare(a) == mirror, "\(context)")
        #expect(a.isDominated(by: b) == lessOrEqual(a, b), "\(context)")
        #expect((order == .equal) == (a == b), "\(context)")
    }
    for kind in [CausalOrder.before, .after, .equal, .concurrent] {
        #expect((seen[kind] ?? 0) > 0, "relation \(kind) never generated (seed \(propertySeed)); seen \(seen)")
    }
}

@Test func partialOrderIsReflexiveAntisymmetricAndTransitive() {
    var transitiveChains = 0
    var antisymmetricPairs = 0
    for (index, (a, b, c)) in clockTriples(seed: propertySeed &+ 1, count: propertyCases).enumerated() {
        let context = "seed \(propertySeed &+ 1) case \(index): a=\(a) b=\(b) c=\(c)"
        // Reflexive.
        #expect(a.compare(a) == .equal, "\(context)")
        #expect(a.isDominated(by: a), "\(context)")
        // Antisymmetric: a ≤ b and b ≤ a only when a == b.
        let aBeforeOrEqualB = [.before, .equal].contains(a.compare(b))
        let bBeforeOrEqualA = [.before, .equal].contains(b.compare(a))
        if aBeforeOrEqualB && bBeforeOrEqualA {
            antisymmetricPairs += 1
            #expect(a == b, "\(context)")
        }
        // Transitive: a ≤ b and b ≤ c imply a ≤ c (strictly when either step is strict).
        let ab = a.compare(b)
        let bc = b.compare(c)
        if [.before, .equal].contains(ab) && [.before, .equal].contains(bc) {
            transitiveChains += 1
            let ac = a.compare(c)
            if ab == .before || bc == .before {
                #expect(ac == .before, "\(context)")
            } else {
                #expect(ac == .equal, "\(context)")
            }
        }
    }
    #expect(
        transitiveChains > 10, "too few a ≤ b ≤ c chains generated (seed \(propertySeed &+ 1)): \(transitiveChains)")
    #expect(antisymmetricPairs > 0, "no equal pairs generated (seed \(propertySeed &+ 1))")
}

@Test func mergeIsCommutativeAssociativeAndIdempotent() {
    var nonTrivial = 0
    for (index, (a, b, c)) in clockTriples(seed: propertySeed &+ 2, count: propertyCases).enumerated() {
        let context = "seed \(propertySeed &+ 2) case \(index): a=\(a) b=\(b) c=\(c)"
        #expect(a.merged(with: b) == b.merged(with: a), "\(context)")
        #expect(a.merged(with: b).merged(with: c) == a.merged(with: b.merged(with: c)), "\(context)")
        #expect(a.merged(with: a) == a, "\(context)")
        #expect(a.merged(with: b).merged(with: b) == a.merged(with: b), "\(context)")
        #expect(a.merged(with: VectorClock()) == a, "\(context)")
        if a.compare(b) == .concurrent { nonTrivial += 1 }
    }
    #expect(nonTrivial > 10, "too few concurrent pairs to exercise merge (seed \(propertySeed &+ 2))")
}

@Test func mergeIsTheLeastUpperBound() {
    var generator = SplitMix64(seed: propertySeed &+ 3)
    // Every clock over the node set with counters 0...2: the candidates for an upper bound c.
    var universe: [VectorClock] = []
    for x in UInt64(0)...2 {
        for y in UInt64(0)...2 {
            for z in UInt64(0)...2 {
                universe.append(VectorClock(["a": x, "b": y, "c": z]))
            }
        }
    }
    var upperBoundsChecked = 0
    for index in 0..<propertyCases {
        let a = randomClock(using: &generator)
        let b = randomClock(using: &generator)
        let m = a.merged(with: b)
        let context = "seed \(propertySeed &+ 3) case \(index): a=\(a) b=\(b) merge=\(m)"
        #expect([.before, .equal].contains(a.compare(m)), "a ≤ merge fails: \(context)")
        #expect([.before, .equal].contains(b.compare(m)), "b ≤ merge fails: \(context)")
        // Least: every upper bound c of a and b is at or above the merge.
        for c in universe where lessOrEqual(a, c) && lessOrEqual(b, c) {
            upperBoundsChecked += 1
            #expect(m.isDominated(by: c), "merge ≤ c fails for c=\(c): \(context)")
            #expect([.before, .equal].contains(m.compare(c)), "merge ≤ c fails for c=\(c): \(context)")
        }
        // And it is an upper bound that is not above anything necessary: each entry equals one of the inputs.
        for node in ["a", "b", "c"] {
            #expect(m[node] == max(a[node], b[node]), "\(context)")
        }
    }
    #expect(upperBoundsChecked > propertyCases, "upper bound check ran only \(upperBoundsChecked) times")
}

@Test func receiveRuleMakesTheMessageHappenBeforeTheReceiver() {
    var generator = SplitMix64(seed: propertySeed &+ 4)
    for index in 0..<propertyCases {
        let message = randomClock(using: &generator)
        var receiver = randomClock(using: &generator)
        let before = receiver
        receiver.receive(message, at: "b")
        let context = "seed \(propertySeed &+ 4) case \(index): message=\(message) receiver=\(before)"
        #expect(message.compare(receiver) == .before, "\(context)")
        #expect(before.compare(receiver) == .before, "\(context)")
        #expect(receiver["b"] == max(before["b"], message["b"]) + 1, "\(context)")
    }
}
