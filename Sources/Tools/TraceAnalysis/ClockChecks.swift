import Causality
import TraceFormat

/// Describes how `event` follows `previous` in one node's file.
func fileOrderStep(_ previous: RunEvent, _ event: RunEvent, _ labels: (String, String)) -> String {
    let node = event.envelope.node
    if previous.envelope.pid == event.envelope.pid {
        return "\(labels.0) precedes \(labels.1) in \(node)'s trace (same process, seq "
            + "\(previous.envelope.sequence) then \(event.envelope.sequence))."
    }
    return "\(labels.0) precedes \(labels.1) in \(node)'s trace (\(labels.1) is the first event after a restart: "
        + "pid \(previous.envelope.pid) → \(event.envelope.pid); the recorder continues the clock from the file)."
}

/// True for the kinds that merge a received clock (§3.2: only these two in v1).
func mergesClock(_ event: RunEvent) -> Bool {
    event.kindCode == .rpcReceive || event.kindCode == .rpcReplyReceive
}

/// Check 1: each node's own clock entry strictly increases along its events, in step with `seq` (§3.4 rules 1–2):
/// within a process `vc[node] − seq` never decreases, and only a receive may raise it (check 4 judges those).
/// Seq gaps (events the writer dropped, §1.6, or lines lost to damage) are warnings, one per node.
final class OwnClockCheck: RunCheck {
    /// Per node: seq gaps in which the own entry kept in step with seq (events recorded but not in the file).
    private struct Gaps {
        var first: (before: RunEvent, after: RunEvent)
        var count = 1
        var missing: UInt64
    }
    private var gaps: [String: Gaps] = [:]
    /// Per node: the event just reported as breaking the rule, and `vc[node] − seq` before it. The next event back in
    /// step with that earlier offset is the same wrong event seen from the other side (one cause, reported once).
    private var echoes: [String: (seq: UInt64, offset: UInt64)] = [:]
    /// Per node: its first event when it has seq 1 but an own entry above 1 (judged at the end, with the health).
    private var lateStarts: [String: RunEvent] = [:]

    init(options: CheckOptions) {
        super.init(
            number: 1, name: "own-clock-increases", title: "own clock entry strictly increases, in step with seq",
            options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        examined += 1
        let node = event.envelope.node
        let own = event.node >= 0 ? event.dense[event.node] : event.counter(node)
        if own == 0 {
            var finding = builder("\(node)'s event has no own clock entry", rule: "every event ticks its own entry")
            let label = finding.name(event)
            finding.step("\(label) was recorded by \(node), so its clock must hold \(node) ≥ 1.")
            finding.step("However vc(\(label)) has no \(node) entry.")
            report(finding.finding)
            return
        }
        guard event.node >= 0 else { return }
        guard let previous = state.states[event.node] else {
            firstEvent(event, own: own)
            return
        }
        let last = previous.last
        let before = last.dense[event.node]
        let sequence = event.envelope.sequence
        if own > before, sequence > last.envelope.sequence, last.envelope.pid == event.envelope.pid {
            // The common case, kept cheap: one event of the same process, own entry and seq in step.
            let ownStep = own - before
            let seqStep = sequence - last.envelope.sequence
            if ownStep == seqStep {
                if seqStep > 1 { gap(last, event, missing: seqStep - 1) }
                return
            }
            if isEcho(last, event, own: own) { return }
            if ownStep < seqStep {
                reportBreak(seqWithoutTick(last, event), last, event)
            } else if !mergesClock(event) && (seqStep == 1 || !previous.reusesCounters) {
                reportBreak(ownJump(last, event, seqStep: seqStep), last, event)
            }
            // A receive that raised the own entry: check 4 (no-future-clocks) judges it.
            return
        }
        if last.envelope.pid == event.envelope.pid, sequence <= last.envelope.sequence {
            var finding = builder(
                "\(node) seq did not increase within pid \(event.envelope.pid)",
                rule: "seq strictly increases within a process (or a second process reuses the node id and pid)",
                severity: .warning)
            let first = finding.name(last)
            let second = finding.name(event)
            finding.step("\(first) precedes \(second) in the file, both from pid \(event.envelope.pid).")
            finding.step("However seq goes from \(last.envelope.sequence) to \(sequence).")
            report(finding.finding)
        }
        if state.startsIncarnation(event) && own < sequence { report(ownBelowSeq(event, own: own)) }
        guard own <= before else { return }
        if !state.startsIncarnation(event) { echoes[node] = (sequence, before &- last.envelope.sequence) }
        var finding = builder(
            "\(node)'s own clock entry went from \(before) to \(own)",
            rule: "a node's own clock entry strictly increases along its events (§3.4 rule 2)")
        let first = finding.name(last)
        let second = finding.name(event)
        finding.step(fileOrderStep(last, event, (first, second)))
        finding.step("Every recorded event ticks \(node)'s own entry, so vc(\(second))[\(node)] must exceed \(before).")
        finding.step("However vc(\(second))[\(node)] = \(own).")
        report(finding.finding)
    }

    /// Reports `finding` about `event` and remembers the offset before it (see `echoes`).
    private func reportBreak(_ finding: Finding, _ last: RunEvent, _ event: RunEvent) {
        report(finding)
        echoes[event.envelope.node] = (
            event.envelope.sequence, last.counter(event.envelope.node) &- last.envelope.sequence
        )
    }

    /// True when `event` follows a just-reported wrong event and is back in step with the events before it.
    private func isEcho(_ last: RunEvent, _ event: RunEvent, own: UInt64) -> Bool {
        guard let echo = echoes.removeValue(forKey: event.envelope.node), echo.seq == last.envelope.sequence else {
            return false
        }
        return own &- event.envelope.sequence == echo.offset
    }

    /// The node's first event in the trace.
    private func firstEvent(_ event: RunEvent, own: UInt64) {
        let sequence = event.envelope.sequence
        if own < sequence {
            report(ownBelowSeq(event, own: own))
        } else if sequence == 1 && own > 1 {
            lateStarts[event.envelope.node] = event
        }
    }

    private func gap(_ before: RunEvent, _ after: RunEvent, missing: UInt64) {
        let node = after.envelope.node
        if var known = gaps[node] {
            known.count += 1
            known.missing &+= missing
            gaps[node] = known
        } else {
            gaps[node] = Gaps(first: (before, after), missing: missing)
        }
    }

    private func seqWithoutTick(_ last: RunEvent, _ event: RunEvent) -> Finding {
        let node = event.envelope.node
        let before = last.counter(node)
        let own = event.counter(node)
        let seqStep = event.envelope.sequence - last.envelope.sequence
        var finding = builder(
            "\(node)'s seq skipped from \(last.envelope.sequence) to \(event.envelope.sequence) but its own entry only "
                + "went from \(before) to \(own)",
            rule: "every recorded event takes one seq and ticks the own entry once, written or dropped (§1.6, §3.2): "
                + "vc[node] − seq never decreases within a process (§3.4 rules 1–2)")
        let first = finding.name(last)
        let second = finding.name(event)
        finding.step(fileOrderStep(last, event, (first, second)))
        finding.step(
            "seq goes up by \(seqStep), so \(seqStep) events were recorded (\(seqStep - 1) of them not written, §1.6), "
                + "each ticking \(node)'s own entry: vc(\(second))[\(node)] ≥ \(before) + \(seqStep) = "
                + "\(before &+ seqStep).")
        finding.step(
            "However vc(\(second))[\(node)] = \(own): the skipped seq values belong to no recorded event.")
        return finding.finding
    }

    private func ownJump(_ last: RunEvent, _ event: RunEvent, seqStep: UInt64) -> Finding {
        let node = event.envelope.node
        let before = last.counter(node)
        let own = event.counter(node)
        var finding = builder(
            "\(node)'s own entry jumped from \(before) to \(own) at a local event",
            rule: "a local event ticks its own entry by exactly 1: vc[node] == seq unless a merged message carried a "
                + "larger own entry (§3.4 rules 2 and 4)")
        let first = finding.name(last)
        let second = finding.name(event)
        finding.step(fileOrderStep(last, event, (first, second)))
        if seqStep == 1 {
            finding.step(
                "\(second) (\(event.event.kind)) is a local event: it merges no message, so vc(\(second))[\(node)] = "
                    + "vc(\(first))[\(node)] + 1 = \(before + 1).")
        } else {
            finding.step(
                "seq goes up by \(seqStep): \(seqStep - 1) events were not written (§1.6). Each ticked \(node)'s "
                    + "entry once, and none could merge a larger \(node) entry (\(node) did not restart without its "
                    + "clock), so vc(\(second))[\(node)] = \(before) + \(seqStep) = \(before &+ seqStep).")
        }
        finding.step("However vc(\(second))[\(node)] = \(own).")
        return finding.finding
    }

    private func ownBelowSeq(_ event: RunEvent, own: UInt64) -> Finding {
        let node = event.envelope.node
        var finding = builder(
            "\(node)'s own entry \(own) is below its seq \(event.envelope.sequence)",
            rule: "every event of a process ticks its own entry once, so vc[node] ≥ seq (§3.2, §3.4 rule 2)")
        let label = finding.name(event)
        finding.step(
            "\(label) is event \(event.event.sequence) of pid \(event.event.pid): \(event.event.sequence) events of "
                + "this process ticked \(node)'s own entry, so vc(\(label))[\(node)] ≥ \(event.envelope.sequence).")
        finding.step("However vc(\(label))[\(node)] = \(own).")
        return finding.finding
    }

    override func finish(_ state: RunState) {
        for node in lateStarts.keys.sorted() {
            let event = lateStarts[node]!
            let lost = state.mayHaveLostLines(node)
            var finding = builder(
                "\(node)'s first process starts its own entry at \(event.counter(node)), not 1"
                    + (lost ? " (earlier events lost?)" : ""),
                rule:
                    "a process starts its own entry at 1 unless it continues an earlier incarnation's clock, and that "
                    + "incarnation's events are in the node's trace (§1.5, §1.8)",
                severity: lost ? .warning : .violation)
            let label = finding.name(event)
            finding.step(
                "\(label) is the first event of \(node)'s trace, with seq 1: the first event of its process.")
            finding.step(
                "A recorder starts at own entry 1 unless it continued the clock of an earlier process of \(node) "
                    + "(from its state file and trace, §1.5), so that process's events precede \(label) in the trace.")
            finding.step(
                "However vc(\(label))[\(node)] = \(event.event.clock[node]) and no earlier event of \(node) is in its "
                    + "trace" + (lost ? ", which is damaged: they may be in the lost part." : "."))
            report(finding.finding)
        }
        for node in gaps.keys.sorted() {
            let gaps = gaps[node]!
            let lost = state.mayHaveLostLines(node)
            var finding = builder(
                "\(node)'s trace is missing \(gaps.missing) event(s): seq skips in \(gaps.count) place(s)",
                rule: lost
                    ? "events lost with the damaged part of the file (§1.7); the verdict does not cover them"
                    : "events the writer dropped (queue full, §1.6: no marker is written); the verdict does not "
                        + "cover them",
                severity: .warning)
            let first = finding.name(gaps.first.before)
            let second = finding.name(gaps.first.after)
            finding.step(fileOrderStep(gaps.first.before, gaps.first.after, (first, second)) + " Nothing between.")
            finding.step(
                "The own entry kept in step (\(gaps.first.before.counter(node)) → "
                    + "\(gaps.first.after.event.clock[node])): the missing events were recorded and ticked the clock, "
                    + "but are not in the file"
                    + (lost ? ", which is damaged, truncated or has malformed lines." : ", which is clean."))
            report(finding.finding)
        }
    }
}
