import Causality
import TraceFormat

/// Describes how `event` follows `previous` in one node's file.
func fileOrderStep(_ previous: RunEvent, _ event: RunEvent, _ labels: (String, String)) -> String {
    let node = event.event.node
    if previous.event.pid == event.event.pid {
        return "\(labels.0) precedes \(labels.1) in \(node)'s trace (same process, seq "
            + "\(previous.event.sequence) then \(event.event.sequence))."
    }
    return "\(labels.0) precedes \(labels.1) in \(node)'s trace (\(labels.1) is the first event after a restart: "
        + "pid \(previous.event.pid) → \(event.event.pid); the recorder continues the clock from the file)."
}

/// Check 1: each node's own clock entry strictly increases along its events (gaps allowed).
final class OwnClockCheck: RunCheck {
    init(options: CheckOptions) {
        super.init(
            number: 1, name: "own-clock-increases", title: "own clock entry strictly increases", options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        examined += 1
        let node = event.event.node
        let own = event.node >= 0 ? event.dense[event.node] : event.event.clock[node]
        if own == 0 {
            var finding = builder("\(node)'s event has no own clock entry", rule: "every event ticks its own entry")
            let label = finding.name(event)
            finding.step("\(label) was recorded by \(node), so its clock must hold \(node) ≥ 1.")
            finding.step("However vc(\(label)) has no \(node) entry.")
            report(finding.finding)
            return
        }
        guard event.node >= 0, let previous = state.states[event.node] else { return }
        let before = previous.last.dense[event.node]
        if previous.last.event.pid == event.event.pid, event.event.sequence <= previous.last.event.sequence {
            var finding = builder(
                "\(node) seq did not increase within pid \(event.event.pid)",
                rule: "seq strictly increases within a process (or a second process reuses the node id and pid)",
                severity: .warning)
            let first = finding.name(previous.last)
            let second = finding.name(event)
            finding.step("\(first) precedes \(second) in the file, both from pid \(event.event.pid).")
            finding.step("However seq goes from \(previous.last.event.sequence) to \(event.event.sequence).")
            report(finding.finding)
        }
        guard own <= before else { return }
        var finding = builder(
            "\(node)'s own clock entry went from \(before) to \(own)",
            rule: "a node's own clock entry strictly increases along its events (§3.4 rule 2)")
        let first = finding.name(previous.last)
        let second = finding.name(event)
        finding.step(fileOrderStep(previous.last, event, (first, second)))
        finding.step("Every recorded event ticks \(node)'s own entry, so vc(\(second))[\(node)] must exceed \(before).")
        finding.step("However vc(\(second))[\(node)] = \(own).")
        report(finding.finding)
    }
}

/// Check 2: a node's knowledge never shrinks: no entry of its clock decreases from one event to the next.
final class KnowledgeCheck: RunCheck {
    init(options: CheckOptions) {
        super.init(number: 2, name: "knowledge-never-shrinks", title: "no clock entry decreases", options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        examined += 1
        let node = event.event.node
        guard event.node >= 0, let previous = state.states[event.node] else { return }
        if !previous.last.external && !event.external {
            let old = previous.last.dense
            let new = event.dense
            var shrinks = false
            for position in old.indices where new[position] < old[position] && position != event.node {
                shrinks = true
                break
            }
            guard shrinks else { return }
        }
        let before = previous.last.event.clock
        let now = event.event.clock
        let shrunk = before.sortedNodes.filter { $0 != node && now[$0] < before[$0] }
        guard !shrunk.isEmpty else { return }
        var finding = builder(
            "\(node) forgot what it knew about \(shrunk.joined(separator: ", "))",
            rule: "a node's knowledge never shrinks: prev ≤ vc entry by entry (§3.4 rule 3)")
        let first = finding.name(previous.last)
        let second = finding.name(event)
        finding.step(fileOrderStep(previous.last, event, (first, second)))
        finding.step(
            "\(node) knew everything in vc(\(first)) when it recorded \(second), so vc(\(first)) ≤ vc(\(second)).")
        let details = shrunk.map { "\($0) is \(now[$0]) in \(second) but \(before[$0]) in \(first)" }
        finding.step("However " + details.joined(separator: "; ") + ".")
        report(finding.finding)
    }
}

/// Check 4: no clock from the future: an entry for node q never exceeds what q had recorded by then.
final class FutureClockCheck: RunCheck {
    private struct Reference {
        var event: RunEvent
        var count: Int
        /// q's incarnation when the reference was seen.
        var incarnation: Int
    }

    /// Per referenced node: counter → first event that referenced it before q recorded it.
    private var pending: [String: [UInt64: Reference]] = [:]
    private static let maximumPendingPerNode = 10_000

    init(options: CheckOptions) {
        super.init(number: 4, name: "no-future-clocks", title: "no clock entry from the future", options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        examined += 1
        let node = event.event.node
        if !pending.isEmpty { resolve(node: node, with: event, state) }
        if !event.external {
            var ahead = false
            for position in event.dense.indices
            where position != event.node && event.dense[position] > state.maxOwn[position]
                && state.isTraced[position]
            {
                ahead = true
                break
            }
            guard ahead else { return }
        }
        for (other, counter) in event.event.clock.entries where other != node && state.traced.contains(other) {
            let recorded = state.recorded(other)
            guard counter > recorded else { continue }
            let incarnation = state.previous(other)?.incarnation ?? 0
            if var reference = pending[other, default: [:]][counter] {
                reference.count += 1
                pending[other]![counter] = reference
            } else if pending[other, default: [:]].count < Self.maximumPendingPerNode {
                pending[other, default: [:]][counter] = Reference(event: event, count: 1, incarnation: incarnation)
            }
        }
    }

    /// `event` of `node` arrives: references to counters it reaches are settled now.
    private func resolve(node: String, with event: RunEvent, _ state: RunState) {
        guard let references = pending[node], !references.isEmpty else { return }
        defer { if pending[node]?.isEmpty == true { pending[node] = nil } }
        let own = event.event.clock[node]
        let restarted = state.startsIncarnation(event)
        for (counter, reference) in references where counter <= own {
            pending[node]![counter] = nil
            let incarnation = (state.previous(node)?.incarnation ?? 0) + (restarted ? 1 : 0)
            if event.isDominated(by: reference.event) {
                // E2 did happen before E1: it only reached the merge late, behind an earlier event of its file
                // whose clock is wrong (that event is reported by the other clock checks).
                continue
            }
            if counter == own && incarnation == reference.incarnation && !restarted {
                report(futureFinding(reference, counter: counter, recorder: event))
            } else {
                report(lostFinding(reference, node: node, counter: counter, state: state, reused: true))
            }
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
                        "\(reference.event.event.node) knows \(node):\(counter), an event \(node) never recorded",
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
        let node = recorder.event.node
        var finding = builder(
            "\(reference.event.event.node) knew \(node):\(counter) before \(node) recorded it",
            rule: "no clock from the future: an entry for q never exceeds what q had recorded by then (§3.4 rule 6)")
        let knower = finding.name(reference.event)
        let origin = finding.name(recorder)
        finding.step("vc(\(knower))[\(node)] = \(counter), so \(knower) claims \(origin) → \(knower).")
        let witness = recorder.event.clock.sortedNodes.first {
            recorder.event.clock[$0] > reference.event.event.clock[$0]
        }
        if let witness {
            finding.step(
                "However vc(\(origin)) ≰ vc(\(knower)): entry \(witness) is \(recorder.event.clock[witness]) in "
                    + "\(origin) but \(reference.event.event.clock[witness]) in \(knower), so \(origin) did not "
                    + "happen before \(knower).")
        } else {
            finding.step(
                "However \(origin) is ordered after \(knower) (clock sum \(recorder.clockSum) ≥ "
                    + "\(reference.event.clockSum)), so it did not happen before \(knower).")
        }
        if reference.count > 1 { finding.step("\(reference.count) events knew \(node):\(counter) that early.") }
        return finding.finding
    }

    private func lostFinding(
        _ reference: Reference, node: String, counter: UInt64, state: RunState, reused: Bool
    ) -> Finding {
        var finding = builder(
            "\(reference.event.event.node) knows \(node):\(counter), which is not in \(node)'s trace (lost?)",
            rule: "referenced event not in the trace: allowed when the node was killed, restarted or dropped events",
            severity: .warning)
        let label = finding.name(reference.event)
        finding.step(
            "vc(\(label))[\(node)] = \(counter), but \(node) had recorded only up to "
                + "\(state.recorded(node)) in its file at that point.")
        finding.step(
            reused
                ? "\(node) restarted or skipped counters after that: the event was lost with the killed process "
                    + "(or dropped), and a later event may reuse the counter."
                : "\(node)'s trace is incomplete (truncated, damaged, restarted or with seq gaps).")
        if reference.count > 1 { finding.step("\(reference.count) events carry this entry.") }
        return finding.finding
    }
}
