import Causality
import TraceFormat

/// Check 2: a node's knowledge changes only by receives: no entry of its clock decreases from one event to the next
/// (§3.4 rule 3), and a local event raises no other node's entry (rule 4: knowledge without a receive).
final class KnowledgeCheck: RunCheck {
    /// Per node: the event just reported as forgetting (or learning without a receive), and the clock before it.
    /// What the next event learns (or forgets) back to that clock is the same wrong event seen from the other side:
    /// one cause, reported once.
    private var echoes: [String: (seq: UInt64, clock: VectorClock)] = [:]
    /// Receives whose clock check 3 found wrong: the local event after one is in step with the real clock again.
    weak var messages: MessageCheck?

    init(options: CheckOptions) {
        super.init(
            number: 2, name: "knowledge-never-shrinks",
            title: "no clock entry decreases; only a receive raises another node's entry", options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        examined += 1
        guard event.node >= 0, let previous = state.states[event.node] else { return }
        // The common case, kept cheap (no call, no retain): a clock of the run's nodes that changes nothing but the
        // own entry, or learns by a receive.
        var shrinks = true
        var grows = true
        if !previous.last.external && !event.external {
            (shrinks, grows) = Self.changes(from: previous.last.dense, to: event.dense, except: event.node)
            guard shrinks || (grows && !mergesClock(event)) else { return }
        }
        judge(previous.last, event, shrinks: shrinks, grows: grows, state)
    }

    /// Reports what `event` forgot or learned without a receive since `last` (`shrinks`, `grows`: what the clocks by
    /// number showed, both true when either clock names nodes outside the run: then compared by name here).
    private func judge(_ last: RunEvent, _ event: RunEvent, shrinks: Bool, grows: Bool, _ state: RunState) {
        let consecutive =
            last.envelope.pid == event.envelope.pid && event.envelope.sequence == last.envelope.sequence &+ 1
        var shrinks = shrinks
        var grows = grows
        if last.external || event.external {
            // Clocks naming nodes outside the run: compare the dictionaries (no sorting unless something changed).
            let node = event.envelope.node
            let before = last.clock
            let now = event.clock
            shrinks = before.sortedEntries.contains { $0.key != node && now[$0.key] < $0.value }
            grows = now.sortedEntries.contains { $0.key != node && $0.value > before[$0.key] }
        }
        if shrinks { reportShrink(last, event) }
        if grows && consecutive && !mergesClock(event) { reportLocalRaise(last, event, state) }
    }

    /// Whether an entry but `except`'s decreases, and whether one increases, from `old` to `new` (clocks by number).
    @inline(__always)
    private static func changes(
        from old: ClockCounters, to new: ClockCounters, except: Int
    ) -> (shrinks: Bool, grows: Bool) {
        old.withUnsafeBufferPointer { old in
            new.withUnsafeBufferPointer { new in
                var shrinks = false
                var grows = false
                for position in 0..<min(old.count, new.count) where position != except {
                    if new[position] < old[position] {
                        shrinks = true
                    } else if new[position] > old[position] {
                        grows = true
                    }
                }
                return (shrinks, grows)
            }
        }
    }

    private func reportShrink(_ last: RunEvent, _ event: RunEvent) {
        let node = event.envelope.node
        let before = last.clock
        let now = event.clock
        let echo = echoes[node].flatMap { $0.seq == last.envelope.sequence ? $0.clock : nil }
        let shrunk = before.sortedNodes.filter { $0 != node && now[$0] < before[$0] && now[$0] < echo?[$0] ?? .max }
        guard !shrunk.isEmpty else { return }
        var finding = builder(
            "\(node) forgot what it knew about \(shrunk.joined(separator: ", "))",
            rule: "a node's knowledge never shrinks: prev ≤ vc entry by entry (§3.4 rule 3)")
        let first = finding.name(last)
        let second = finding.name(event)
        finding.step(fileOrderStep(last, event, (first, second)))
        finding.step(
            "\(node) knew everything in vc(\(first)) when it recorded \(second), so vc(\(first)) ≤ vc(\(second)).")
        let details = shrunk.map { "\($0) is \(now[$0]) in \(second) but \(before[$0]) in \(first)" }
        finding.step("However " + details.joined(separator: "; ") + ".")
        report(finding.finding)
        echoes[node] = (event.envelope.sequence, before)
    }

    private func reportLocalRaise(_ last: RunEvent, _ event: RunEvent, _ state: RunState) {
        let node = event.envelope.node
        let before = last.clock
        let now = event.clock
        if messages?.reportedReceive(of: state.numbers.number(of: event)) == last.envelope.sequence { return }
        let echo = echoes[node].flatMap { $0.seq == last.envelope.sequence ? $0.clock : nil }
        let raised = now.sortedNodes.filter { $0 != node && now[$0] > before[$0] && now[$0] > echo?[$0] ?? 0 }
        guard !raised.isEmpty else { return }
        var finding = builder(
            "\(node) learned " + raised.map { "\($0):\(now[$0])" }.joined(separator: ", ") + " without a receive",
            rule: "only a receive raises another node's entry: a local event's clock is prev + tick (§3.4 rule 4)")
        let first = finding.name(last)
        let second = finding.name(event)
        finding.step(fileOrderStep(last, event, (first, second)))
        finding.step(
            "\(second) (\(event.envelope.kind)) is a local event: it merges no message, so vc(\(second)) = "
                + "vc(\(first)) + tick(\(node)) and no other entry changes (§3.2).")
        let details = raised.map { "\($0) is \(now[$0]) in \(second) but only \(before[$0]) in \(first)" }
        finding.step("However " + details.joined(separator: "; ") + ".")
        report(finding.finding)
        echoes[node] = (event.envelope.sequence, before)
    }
}
