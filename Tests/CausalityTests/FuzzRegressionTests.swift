import Causality
import Foundation
import Testing

/// Inputs found by `make fuzz` (FuzzVectorClock), kept as regression tests. See docs/fuzzing.md.
@Suite("Vector clock fuzz findings")
struct VectorClockFuzzRegressionTests {
    /// A clock the header parser accepts must print (as every reply's `x-vector-clock` does) to text the parser
    /// accepts again as the same clock; otherwise one request with such a node id makes a node send clocks its
    /// peers drop.
    static let acceptedButUnprintable: [String] = [
        "{\"a\u{06}\u{06}\u{06}\":1,\"a\":2}",  // crash-0877f712…: control characters in a node id
        "{\"orchestra@tor\":12,\"queu4,\u{02}exec\u{FFFD}aor-1\":7}",  // crash-580c996d…
        "{\"e\":3,\"exec\tutor-1\":7}",  // a tab: printed as \t, which the parser does not read either
    ]

    @Test("a parsed clock prints back to the same clock", arguments: acceptedButUnprintable)
    func parsedClockRoundTrips(_ header: String) {
        if let clock = VectorClock(jsonText: header) {
            #expect(VectorClock(jsonText: clock.description) == clock, "printed as \(clock.description)")
        }
        // The servers' bounded parser refuses such node ids outright.
        let limits = WireClockLimits(maxEntries: 32)
        if case .success(let clock) = VectorClock.parse(wireText: header, limits: limits) {
            #expect(VectorClock.parse(wireText: clock.description, limits: limits) == .success(clock))
        }
    }
}
