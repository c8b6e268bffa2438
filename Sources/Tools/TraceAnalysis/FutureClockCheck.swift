import Causality
import TraceFormat

/// Check 4: no clock from the future (§3.4 rule 6): an entry for node q never exceeds what q had recorded by then.
///
/// A reference to `q:c` met (in the causal merge) before q's event `c` waits; q's events settle it: q records `c`
/// after the reference (a future clock), q's own entry skips `c` (lost with a restart or a writer drop, a warning;
/// otherwise a violation), or a receive raises q's own entry. That last one is proof on its own: unless q restarted
/// without continuing its clock, nobody can know more of q than q itself, so the message carried a future entry
/// back to q, and the finding names the event that first claimed it.
final class FutureClockCheck: RunCheck {
    private struct Reference {
        var event: RunEvent
        var count: Int
        /// q's incarnation when the reference was seen.
        var incarnation: Int
        /// What q had recorded when the reference was seen.
        var recorded: UInt64
        /// Order of observation (the earliest reference is the origin of a propagated entry).
        var serial: Int
    }

    /// Per referenced node: counter → first event that referenced it before q recorded it.
    private var pending: [String: [UInt64: Reference]] = [:]
    private static let maximumPendingPerNode = 10_000

    init(options: CheckOptions) {
        super.init(number: 4, name: "no-future-clocks", title: "no clock entry from the future", options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        examined += 1
        let node = event.envelope.node
        if event.node >= 0, let previous = state.states[event.node], previous.last.envelope.pid == event.envelope.pid {
            let before = previous.last.dense[event.node]
            let own = event.dense[event.node]
            let lastSeq = previous.last.envelope.sequence
            let seq = event.envelope.sequence
            if own > before, seq > lastSeq, own - before > seq - lastSeq, !previous.reusesCounters,
                mergesClock(event)
            {
                raisedByReceive(event, previous: previous.last, state)
            }
        }
        if !pending.isEmpty { resolve(node: node, with: event, state) }
        if !event.external {
            guard Self.isAhead(event.dense, of: state.maxOwn, traced: state.isTraced, except: event.node) else {
                return
            }
        }
        for (other, counter) in event.clock.sortedEntries where other != node && state.traced.contains(other) {
            let recorded = state.recorded(other)
            guard counter > recorded else { continue }
            let incarnation = state.previous(other)?.incarnation ?? 0
            if var reference = pending[other, default: [:]][counter] {
                reference.count += 1
                pending[other]![counter] = reference
            } else if pending[other, default: [:]].count < Self.maximumPendingPerNode {
                pending[other, default: [:]][counter] = Reference(
                    event: event, count: 1, incarnation: incarnation, recorded: recorded, serial: examined)
            }
        }
    }

    /// True when an entry of `clock` but `except`'s exceeds what its node recorded (`recorded`), for a traced node.
    private static func isAhead(_ clock: ClockCounters, of recorded: [UInt64], traced: [Bool], except: Int) -> Bool {
        clock.withUnsafeBufferPointer { clock in
            recorded.withUnsafeBufferPointer { recorded in
                let count = min(clock.count, recorded.count, traced.count)
                for position in 0..<count where clock[position] > recorded[position] {
                    if position != except && traced[position] { return true }
                }
                return false
            }
        }
    }

    /// A receive raised its node's own entry above what the node itself had counted: the message carried an entry
    /// for the node from the future. Reported once, naming the earliest event that claimed such an entry.
    private func raisedByReceive(_ receive: RunEvent, previous: RunEvent, _ state: RunState) {
        let node = receive.envelope.node
        let before = previous.counter(node)
        let own = receive.counter(node)
        let expected = before &+ (receive.envelope.sequence - previous.envelope.sequence)
        var origin: (counter: UInt64, reference: Reference)?
        var carriers = 0
        if var references = pending[node] {
            for (counter, reference) in references.sorted(by: { $0.key < $1.key })
            where counter > before && counter <= own {
                references[counter] = nil
                carriers += reference.count
                if origin.map({ reference.serial < $0.reference.serial }) ?? true { origin = (counter, reference) }
            }
            pending[node] = references.isEmpty ? nil : references
        }
        var finding = builder(
            origin.map {
                "\($0.reference.event.envelope.node) knew \(node):\($0.counter) before \(node) recorded it, and the "
                    + "entry came back to \(node)"
            } ?? "\(node)'s own entry was raised by a receive: the message carried \(node):\(own - 1) from the future",
            rule: "no clock from the future (§3.4 rule 6): a receive never raises the receiver's own entry, unless the "
                + "receiver restarted without continuing its clock (§3.2, §3.4 caveats)")
        if let origin {
            let label = finding.name(origin.reference.event)
            finding.step(
                "vc(\(label))[\(node)] = \(origin.counter): \(label) claims \(node)'s event \(origin.counter) happened "
                    + "before it, but when \(label) was recorded \(node) had counted only up to "
                    + "\(origin.reference.recorded).")
        }
        let prior = finding.name(previous)
        let label = finding.name(receive)
        finding.step(
            "\(prior) is \(node)'s event before \(label) in the same process (seq \(previous.event.sequence), own entry "
                + "\(before)); \(node) recorded \(receive.event.sequence - previous.event.sequence) event(s) since, "
                + "so by its own count vc(\(label))[\(node)] = \(expected).")
        finding.step(
            "\(label) (\(EventDescriber.summary(receive.event))) merges the message's clock, and vc(\(label))[\(node)] "
                + "= \(own): the message carried \(node):\(own - 1), more than \(node) had recorded.")
        finding.step(
            "However \(node) did not restart without its clock (this is its first process, or one that continues "
                + "above every earlier one, §1.5): no other process can know a \(node) entry \(node) has not recorded "
                + "yet, so the entry came from the future"
                + (origin == nil ? " (its origin is not in the trace)." : "."))
        if carriers > 1 { finding.step("\(carriers) events carried \(node) entries above what \(node) had recorded.") }
        report(finding.finding)
    }

    /// `event` of `node` arrives: references to counters it reaches are settled now.
    private func resolve(node: String, with event: RunEvent, _ state: RunState) {
        guard let references = pending[node], !references.isEmpty else { return }
        defer { if pending[node]?.isEmpty == true { pending[node] = nil } }
        let own = event.counter(node)
        let restarted = state.startsIncarnation(event)
        let previous = state.previous(node)
        let before = previous?.last.counter(node) ?? 0
        let reuses = restarted || (previous?.reusesCounters ?? false)
        // A seq gap with the own entry in step: the skipped counters belong to events the writer dropped (§1.6).
        let dropped =
            !restarted
            && previous.map {
                own &- before == event.envelope.sequence &- $0.last.envelope.sequence && own &- before > 1
            } ?? false
        var skipped: [(UInt64, Reference)] = []
        // In counter order, so that the findings (and which are kept) do not depend on the table's order.
        for (counter, reference) in references.sorted(by: { $0.key < $1.key }) where counter <= own {
            pending[node]![counter] = nil
            let incarnation = (previous?.incarnation ?? 0) + (restarted ? 1 : 0)
            if event.isDominated(by: reference.event) {
                // E2 did happen before E1: it only reached the merge late, behind an earlier event of its file
                // whose clock is wrong (that event is reported by the other clock checks).
                continue
            }
            if counter == own && incarnation == reference.incarnation && !restarted {
                report(futureFinding(reference, counter: counter, recorder: event))
            } else if reuses {
                report(lostFinding(reference, node: node, counter: counter, state: state, reused: true))
            } else if dropped && counter > before {
                report(droppedFinding(reference, node: node, counter: counter, previous: previous!.last, event))
            } else {
                skipped.append((counter, reference))
            }
        }
        if let first = skipped.min(by: { $0.1.serial < $1.1.serial }), let previous {
            report(skippedFinding(first.1, counter: first.0, others: skipped.count - 1, previous.last, event))
        }
    }

    override func finish(_ state: RunState) {
        for node in pending.keys.sorted() {
            for counter in pending[node]!.keys.sorted() {
                let reference = pending[node]![counter]!
                if state.mayHaveLost(node) || state.stoppedAtEnd(node) {
                    report(lostFinding(reference, node: node, counter: counter, state: state, reused: false))
                } else {
                    var finding = builder(
                        "\(reference.event.envelope.node) knows \(node):\(counter), an event \(node) never recorded",
                        rule: "no clock from the future: vc[q] never exceeds what q recorded (§3.4 rule 6)")
                    let label = finding.name(reference.event)
                    finding.step(
                        "vc(\(label))[\(node)] = \(counter): \(label) claims to know \(node)'s event \(counter).")
                    finding.step(
                        "However \(node)'s trace is complete (closed, no damage, no seq gap) and its own entry "
                            + "never reaches \(counter) before the end (highest: \(state.recorded(node))).")
                    if reference.count > 1 { finding.step("\(reference.count) events carry this entry.") }
                    report(finding.finding)
                }
            }
        }
    }

    private func futureFinding(_ reference: Reference, counter: UInt64, recorder: RunEvent) -> Finding {
        let node = recorder.envelope.node
        var finding = builder(
            "\(reference.event.envelope.node) knew \(node):\(counter) before \(node) recorded it",
            rule: "no clock from the future: an entry for q never exceeds what q had recorded by then (§3.4 rule 6)")
        let knower = finding.name(reference.event)
        let origin = finding.name(recorder)
        finding.step("vc(\(knower))[\(node)] = \(counter), so \(knower) claims \(origin) → \(knower).")
        let witness = recorder.clock.sortedNodes.first {
            recorder.counter($0) > reference.event.clock[$0]
        }
        if let witness {
            finding.step(
                "However vc(\(origin)) ≰ vc(\(knower)): entry \(witness) is \(recorder.counter(witness)) in "
                    + "\(origin) but \(reference.event.clock[witness]) in \(knower), so \(origin) did not "
                    + "happen before \(knower).")
        } else {
            finding.step(
                "However \(origin) is ordered after \(knower) (clock sum \(recorder.clockSum) ≥ "
                    + "\(reference.event.clockSum)), so it did not happen before \(knower).")
        }
        if reference.count > 1 { finding.step("\(reference.count) events knew \(node):\(counter) that early.") }
        return finding.finding
    }

    /// q's own entry went past `counter` without recording it, with neither a restart nor a writer drop to explain.
    private func skippedFinding(
        _ reference: Reference, counter: UInt64, others: Int, _ previous: RunEvent, _ event: RunEvent
    ) -> Finding {
        let node = event.envelope.node
        var finding = builder(
            "\(reference.event.envelope.node) knows \(node):\(counter), an event \(node) skipped",
            rule: "no clock from the future (§3.4 rule 6): every entry names an event of that node")
        let knower = finding.name(reference.event)
        let prior = finding.name(previous)
        let skipper = finding.name(event)
        finding.step("vc(\(knower))[\(node)] = \(counter): \(knower) claims to know \(node)'s event \(counter).")
        finding.step(
            "\(node)'s own entry goes from \(previous.event.clock[node]) at \(prior) to \(event.event.clock[node]) at "
                + "\(skipper) (seq \(previous.event.sequence) then \(event.event.sequence)): no event of \(node) has "
                + "own entry \(counter).")
        finding.step(
            "However \(node) neither restarted nor dropped events there (the own entry did not keep in step with "
                + "seq), so \(counter) names no event: \(knower)'s entry is from the future, or \(skipper)'s jump is "
                + "wrong (check 1).")
        if others > 0 { finding.step("\(others) more skipped \(node) entries were known the same way.") }
        return finding.finding
    }

    private func droppedFinding(
        _ reference: Reference, node: String, counter: UInt64, previous: RunEvent, _ event: RunEvent
    ) -> Finding {
        var finding = builder(
            "\(reference.event.event.node) knows \(node):\(counter), an event \(node)'s writer did not write (lost?)",
            rule: "referenced event not in the trace: allowed when the writer dropped it (§1.6)", severity: .warning)
        let label = finding.name(reference.event)
        finding.step("vc(\(label))[\(node)] = \(counter): \(label) knows \(node)'s event \(counter).")
        finding.step(
            "\(node)'s seq skips from \(previous.event.sequence) to \(event.event.sequence) with its own entry in step "
                + "(\(previous.event.clock[node]) → \(event.event.clock[node])): event \(counter) was recorded and "
                + "sent on, but not written.")
        if reference.count > 1 { finding.step("\(reference.count) events carry this entry.") }
        return finding.finding
    }

    private func lostFinding(
        _ reference: Reference, node: String, counter: UInt64, state: RunState, reused: Bool
    ) -> Finding {
        var finding = builder(
            "\(reference.event.envelope.node) knows \(node):\(counter), which is not in \(node)'s trace (lost?)",
            rule: "referenced event not in the trace: allowed when the node was killed, restarted or dropped events",
            severity: .warning)
        let label = finding.name(reference.event)
        finding.step(
            "vc(\(label))[\(node)] = \(counter), but \(node) had recorded only up to "
                + "\(state.recorded(node)) in its file at that point.")
        finding.step(
            reused
                ? "\(node) restarted after that: the event was lost with the killed process (or dropped), and a later "
                    + "event may reuse the counter."
                : "\(node)'s trace is incomplete (truncated, damaged, restarted or with seq gaps).")
        if reference.count > 1 { finding.step("\(reference.count) events carry this entry.") }
        return finding.finding
    }
}
