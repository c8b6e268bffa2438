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
        // Current main accepts these ids and prints them with \u escapes its own parser refuses: a known issue
        // until the clock hardening (bounded, known node ids) lands. When it does, remove `withKnownIssue`.
        withKnownIssue("node ids with control characters are accepted but do not round-trip") {
            guard let clock = VectorClock(jsonText: header) else { return }
            #expect(VectorClock(jsonText: clock.description) == clock, "printed as \(clock.description)")
        }
    }
}
