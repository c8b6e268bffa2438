import Causality
import SeededRandom
import Testing

/// The sorted-array clock against a plain dictionary model: every operation must give what the entry-wise
/// definition over `[String: UInt64]` gives, whatever the node sets (disjoint, nested, interleaved).
@Suite("Compact vector clock")
struct CompactClockTests {
    static let nodes = ["a", "b", "c", "d", "executor-1", "executor-2", "orchestrator", "z"]

    static func randomEntries(using generator: inout SplitMix64) -> [String: UInt64] {
        var entries: [String: UInt64] = [:]
        for node in nodes where UInt64.random(in: 0...2, using: &generator) == 0 {
            entries[node] = UInt64.random(in: 0...3, using: &generator)
        }
        return entries
    }

    static func model(_ entries: [String: UInt64]) -> [String: UInt64] { entries.filter { $0.value > 0 } }

    @Test func mergeTickCompareAndDominanceMatchTheDictionaryModel() {
        var generator = SplitMix64(seed: 0xC0_FFEE)
        for _ in 0..<2000 {
            let left = Self.randomEntries(using: &generator)
            let right = Self.randomEntries(using: &generator)
            var clock = VectorClock(left)
            let other = VectorClock(right)
            var expected = Self.model(left)
            for (node, counter) in Self.model(right) { expected[node] = max(expected[node] ?? 0, counter) }
            let lessOrEqual = Self.nodes.allSatisfy { (left[$0] ?? 0) <= (right[$0] ?? 0) }
            let greaterOrEqual = Self.nodes.allSatisfy { (left[$0] ?? 0) >= (right[$0] ?? 0) }
            let order: CausalOrder =
                lessOrEqual && greaterOrEqual ? .equal : lessOrEqual ? .before : greaterOrEqual ? .after : .concurrent
            #expect(clock.compare(other) == order, "\(left) vs \(right)")
            #expect(clock.isDominated(by: other) == lessOrEqual, "\(left) vs \(right)")
            clock.merge(other)
            #expect(clock.entries == expected, "\(left) merged with \(right)")
            #expect(clock.sortedNodes == expected.keys.sorted())
            let ticked = Self.nodes[Int(generator.next() % UInt64(Self.nodes.count))]
            clock.tick(ticked)
            expected[ticked, default: 0] += 1
            #expect(clock == VectorClock(expected))
            #expect(clock.counterSum == expected.values.reduce(0, +))
            #expect(VectorClock(jsonText: clock.description) == clock)
        }
    }

    @Test func sortedEntriesAreInNodeOrderWithoutZeros() {
        let clock = VectorClock(["queue": 2, "fraud": 0, "executor-1": 7, "orchestrator": 1])
        #expect(clock.sortedEntries.map(\.key) == ["executor-1", "orchestrator", "queue"])
        #expect(clock.sortedEntries.map(\.value) == [7, 1, 2])
        #expect(clock.count == 3 && !clock.isEmpty && VectorClock().isEmpty)
    }

    @Test func entriesInAnyOrderBuildTheSameClockAndRepeatsKeepTheLargest() {
        let unsorted = VectorClock([("b", 2), ("a", 1), ("b", 5), ("c", 0)])
        #expect(unsorted == VectorClock(["a": 1, "b": 5]))
        #expect(VectorClock([("a", 1), ("b", 2)]) == VectorClock(["a": 1, "b": 2]))
        #expect(VectorClock([("a", 0)]) == VectorClock())
    }

    @Test func equalClocksHashEqually() {
        let built = VectorClock([("x", 3), ("y", 1)])
        var ticked = VectorClock()
        ticked.tick("y")
        for _ in 0..<3 { ticked.tick("x") }
        #expect(built == ticked && built.hashValue == ticked.hashValue)
        #expect(Set([built, ticked, VectorClock(["x": 3, "y": 1, "z": 0])]).count == 1)
    }

    @Test func appendJSONWritesTheDescriptionBytes() {
        let clock = VectorClock(["we\"ird\\node\n": 2, "bell\u{7}": 4, "plain": 18_446_744_073_709_551_615])
        var bytes: [UInt8] = Array("prefix".utf8)
        clock.appendJSON(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "prefix" + clock.description)
        #expect(clock.description.contains(#""bell\u0007":4"#) && clock.description.contains("18446744073709551615"))
        var escaped: [UInt8] = []
        JSONText.appendEscaped("tab\there \u{1F}é\"", to: &escaped)
        #expect(String(decoding: escaped, as: UTF8.self) == JSONText.escaped("tab\there \u{1F}é\""))
    }

    @Test func wireParserTakesUnsortedHeadersAndRefusesRepeatsAfterZeros() {
        let limits = WireClockLimits(maxEntries: 8)
        let parsed = try? VectorClock.parse(wireText: #"{"q":3,"b":1,"m":0,"a":2}"#, limits: limits).get()
        #expect(parsed == VectorClock(["a": 2, "b": 1, "q": 3]))
        #expect(parsed?.description == #"{"a":2,"b":1,"q":3}"#)
        guard case .failure(.duplicateNode("m")) = VectorClock.parse(wireText: #"{"m":0,"a":1,"m":4}"#, limits: limits)
        else {
            Issue.record("a node named twice (first with zero) was accepted")
            return
        }
        #expect(VectorClock(jsonText: #"{"a\/b":1,"a\"c":2}"#)?.sortedNodes == ["a\"c", "a/b"])
    }
}
