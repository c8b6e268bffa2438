import Testing

@testable import Causality

@Test func tickSaturatesInsteadOfTrapping() {
    var clock = VectorClock(["a": .max - 1])
    #expect(clock.canTick("a"))
    clock.tick("a")
    #expect(clock["a"] == .max && !clock.canTick("a"))
    clock.tick("a")
    #expect(clock["a"] == .max)
    clock.receive(VectorClock(["a": .max, "b": .max]), at: "b")
    #expect(clock["b"] == .max)
}

@Test func wireParserAcceptsWhatDescriptionWritesWithinBounds() {
    let clock = VectorClock(["orchestrator": 12, "fraud": 3, "executor-2": 1 << 53])
    let limits = WireClockLimits(maxEntries: 3, knownNodes: ["orchestrator", "fraud", "executor-2"])
    #expect((try? VectorClock.parse(wireText: clock.description, limits: limits).get()) == clock)
    #expect((try? VectorClock.parse(wireText: " { } ", limits: limits).get()) == VectorClock())
}

@Test func wireParserRefusesEachKindOfHostileClock() {
    let limits = WireClockLimits(maxEntries: 2, knownNodes: ["a", "b"])
    let cases: [(String, WireClockRejection)] = [
        (#"{"a":18446744073709551615}"#, .counterOutOfRange(node: "a", limit: 1 << 53)),
        (#"{"a":184467440737095516150}"#, .counterOutOfRange(node: "a", limit: 1 << 53)),
        (#"{"a":1,"b":1,"c":1}"#, .tooManyEntries(limit: 2)),
        (#"{"c":1}"#, .unknownNode("c")),
        (#"{"a":1,"a":1}"#, .duplicateNode("a")),
        (#"{"":1}"#, .badNodeID),
        (#"{"a":-1}"#, .malformed),
        (#"{"a":1} x"#, .malformed),
        (#"{"a":1.5}"#, .malformed),
    ]
    for (text, expected) in cases {
        guard case .failure(let rejection) = VectorClock.parse(wireText: text, limits: limits) else {
            Issue.record("accepted \(text)")
            continue
        }
        #expect(rejection == expected, "\(text)")
    }
    let long = "{" + String(repeating: " ", count: limits.maxTextBytes) + "}"
    guard case .failure(.tooLong) = VectorClock.parse(wireText: long, limits: limits) else {
        Issue.record("a header over the byte bound was parsed")
        return
    }
}

@Test func nodeIDFormatIsBounded() {
    #expect(WireClockLimits.isWellFormedNodeID("executor-3"))
    #expect(WireClockLimits.isWellFormedNodeID("load_2.x"))
    #expect(!WireClockLimits.isWellFormedNodeID(""))
    #expect(!WireClockLimits.isWellFormedNodeID(String(repeating: "n", count: 65)))
    #expect(!WireClockLimits.isWellFormedNodeID("a\"b"))
    #expect(!WireClockLimits.isWellFormedNodeID("nöde"))
}
