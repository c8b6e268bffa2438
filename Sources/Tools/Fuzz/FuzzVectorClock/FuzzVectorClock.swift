import Causality
import FuzzSupport

/// `x-vector-clock` header parsing: any bytes, no crash; an accepted clock prints back to the same clock, and
/// merging it into a node's clock (what a receiving server does) keeps every counter at least as large.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: FuzzDriver.bytes(start, count), as: UTF8.self)
    // The servers' bounded parser: what it accepts prints back to the same clock, within the same bounds.
    let limits = WireClockLimits(maxEntries: 32)
    if case .success(let bounded) = VectorClock.parse(wireText: text, limits: limits) {
        guard case .success(let again) = VectorClock.parse(wireText: bounded.description, limits: limits),
            again == bounded
        else { FuzzDriver.fail("bounded clock does not round-trip: \(bounded.description)") }
    }
    guard let clock = VectorClock(jsonText: text) else { return 0 }
    guard let again = VectorClock(jsonText: clock.description) else {
        FuzzDriver.fail("description of a parsed clock does not parse: \(clock.description)")
    }
    guard again == clock else { FuzzDriver.fail("round trip changed the clock: \(clock) -> \(again)") }
    var local = VectorClock(["orchestrator": 7, "queue": 3])
    local.merge(clock)
    for (node, counter) in clock.entries where local[node] < counter {
        FuzzDriver.fail("merge lowered \(node)")
    }
    _ = local.compare(clock)
    return 0
}

@_cdecl("FuzzVectorClock_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc: argc, argv: argv, test: testOneInput)
}
