import Causality
import SeededRandom
import TraceFormat

/// Mutations of the clock rules of docs/trace-format.md §3.2–§3.4, planted on reliable nodes (clean file, one
/// incarnation, no seq gap) so that no lost event can excuse them.
enum ClockOperators {
    static let all: [MutationOperator] = [
        ownEntry("own-entry-regress", rule: "§3.4 rule 2: the own entry strictly increases") { rng in
            let back = UInt64(1 + rng.below(3))
            return { $0 - min($0 - 1, back) }
        },
        ownEntry("own-entry-jump", rule: "§3.4 rule 2: the own entry goes up by exactly 1 (vc[node] == seq)") { rng in
            let jump = UInt64(2 + rng.below(8))
            return { $0 + jump }
        },
        MutationOperator("knowledge-shrink", rule: "§3.4 rule 3: prev ≤ vc entry by entry", .events(shrink)),
        MutationOperator("missing-merge", rule: "§3.2: a receive merges the message's clock", .events(missingMerge)),
        MutationOperator("over-merge", rule: "§3.4 rule 5: vc = merge(prev, vc(send)) + tick", .events(overMerge)),
        MutationOperator("rule-4-leak", rule: "§3.4 rule 4: a local event changes no other entry", .events(leak)),
        MutationOperator("future-entry-point", rule: "§3.4 rule 6: no entry from the future", .events(futurePoint)),
        MutationOperator(
            "future-entry-propagated", rule: "§3.4 rule 6 (the entry comes back to its node)", .events(propagated)),
        MutationOperator("causal-cycle", rule: "§3.3: happened-before is acyclic", .events(cycle)),
        MutationOperator("seq-skip", rule: "§3.4 rules 1–2: seq and own entry go up together", .events(seqSkip)),
        MutationOperator("swapped-lines", rule: "§3.4 rule 1: seq strictly increases in file order", .events(swap)),
    ]

    /// The own entry of one local event changed by `change`, carried forward by every later event.
    static func ownEntry(
        _ name: String, rule: String, _ change: @escaping @Sendable (inout SplitMix64) -> @Sendable (UInt64) -> UInt64
    ) -> MutationOperator {
        MutationOperator(
            name, rule: rule,
            .events { run, rng in
                let spots = run.candidates { _, index, event in index >= 3 && !MutationRun.isReceive(event.event) }
                guard let (node, index) = rng.pick(spots) else { return nil }
                let transform = change(&rng)
                var run = run
                let id = run.events[node]![index].id
                run.plant(ClockPlant(edit: { $0.setting(node, to: transform($0[node])) }), at: id)
                let handle = run.events[node]![index].event.handle
                return Mutant(run: run, planted: [id], description: "\(name) at \(handle)")
            })
    }

    static func shrink(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let spots = run.candidates { node, index, event in
            index >= 1 && !MutationRun.isReceive(event.event) && event.event.clock.entries.keys.contains { $0 != node }
        }
        guard let (node, index) = rng.pick(spots) else { return nil }
        let event = run.events[node]![index]
        let other = rng.pick(event.event.clock.sortedNodes.filter { $0 != node })!
        let drop = UInt64(1 + rng.below(3))
        var run = run
        run.plant(ClockPlant(edit: { $0.setting(other, to: $0[other] - min($0[other], drop)) }), at: event.id)
        return Mutant(
            run: run, planted: [event.id], description: "knowledge-shrink at \(event.event.handle): \(other) −\(drop)")
    }

    /// Receives of reliable nodes whose message brings knowledge the receiver did not have.
    static func informativeReceives(_ run: MutationRun) -> [(node: String, index: Int)] {
        let byID = Dictionary(uniqueKeysWithValues: run.all.map { ($0.id, $0) })
        return run.candidates { node, index, event in
            guard index >= 1, MutationRun.isReceive(event.event), let source = event.source, let send = byID[source]
            else { return false }
            let previous = run.events[node]![index - 1].event.clock
            return !send.event.clock.isDominated(by: previous)
        }
    }

    static func missingMerge(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        guard let (node, index) = rng.pick(informativeReceives(run)) else { return nil }
        var run = run
        let event = run.events[node]![index]
        run.plant(ClockPlant(skipsMerge: true), at: event.id)
        return Mutant(run: run, planted: [event.id], description: "missing-merge at \(event.event.handle)")
    }

    /// The next event of a third node that `event` does not know and that is concurrent with it.
    static func unknownEvent(
        _ run: MutationRun, _ event: SimEvent, excluding: Set<String>, _ rng: inout SplitMix64
    )
        -> SimEvent?
    {
        let others = run.nodes.filter { !excluding.contains($0) }.compactMap { other -> SimEvent? in
            guard let next = run.eventOf(other, own: event.event.clock[other] + 1) else { return nil }
            return next.event.clock.compare(event.event.clock) == .concurrent ? next : nil
        }
        return rng.pick(others)
    }

    static func overMerge(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        guard let (node, index) = rng.pick(informativeReceives(run)) else { return nil }
        let event = run.events[node]![index]
        let sender = run.event(event.source!)!.event.node
        guard let extra = unknownEvent(run, event, excluding: [node, sender], &rng) else { return nil }
        var run = run
        run.plant(ClockPlant(alsoMerges: [extra.id]), at: event.id)
        return Mutant(
            run: run, planted: [event.id],
            description: "over-merge at \(event.event.handle): also merges \(extra.event.handle)")
    }

    static func leak(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let spots = run.candidates { _, index, event in index >= 1 && !MutationRun.isReceive(event.event) }
        guard let (node, index) = rng.pick(spots) else { return nil }
        let event = run.events[node]![index]
        guard let extra = unknownEvent(run, event, excluding: [node], &rng) else { return nil }
        var run = run
        run.plant(ClockPlant(alsoMerges: [extra.id]), at: event.id)
        return Mutant(
            run: run, planted: [event.id],
            description: "rule-4-leak at \(event.event.handle): learns \(extra.event.handle) without a receive")
    }

    /// True when some event of `node` has a re-simulated own entry other than its original one.
    static func ownEntryMoved(_ run: MutationRun, _ node: String) -> Bool {
        guard let simulated = try? ClockSimulator.simulate(run) else { return true }
        return zip(run.events[node]!, simulated[node]!).contains { $0.event.clock[node] != $1.clock[node] }
    }

    static func futurePoint(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let spots = run.candidates { _, index, event in index >= 1 && !MutationRun.isReceive(event.event) }
        guard let (node, index) = rng.pick(spots) else { return nil }
        let event = run.events[node]![index]
        // q's next event that the planted event cannot know: it knows something the planted event does not.
        let targets = run.nodes.filter { $0 != node && run.reliable.contains($0) }.compactMap { q -> SimEvent? in
            guard let next = run.eventOf(q, own: event.event.clock[q] + 1) else { return nil }
            let witness = next.event.clock.entries.contains { $0.key != q && $0.value > event.event.clock[$0.key] }
            return witness ? next : nil
        }
        guard let target = rng.pick(targets) else { return nil }
        let q = target.event.node
        let counter = event.event.clock[q] + 1
        var mutated = run
        mutated.plant(ClockPlant(edit: { $0.setting(q, to: max($0[q], counter)) }), at: event.id)
        // A point plant: q reaches the counter on its own before the entry comes back to it.
        guard !ownEntryMoved(mutated, q) else { return nil }
        return Mutant(
            run: mutated, planted: [event.id],
            description: "future-entry-point at \(event.event.handle): knows \(q):\(counter) (\(target.event.handle))")
    }

    /// A send of a reliable node to a reliable peer, with its matched receive.
    static func sendPair(_ run: MutationRun, _ rng: inout SplitMix64, kinds: Set<EventKind>) -> (SimEvent, SimEvent)? {
        var receives: [Int: SimEvent] = [:]
        for event in run.all where event.source != nil { receives[event.source!] = event }
        let spots = run.candidates { _, index, event in
            guard index >= 1, kinds.contains(event.event.kind), let receive = receives[event.id] else { return false }
            return run.reliable.contains(receive.event.node)
        }
        guard let (node, index) = rng.pick(spots) else { return nil }
        let send = run.events[node]![index]
        return (send, receives[send.id]!)
    }

    static func propagated(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        guard let (send, receive) = sendPair(run, &rng, kinds: [.rpcSend, .rpcReplySend]) else { return nil }
        let q = receive.event.node
        let counter = receive.event.clock[q] + UInt64(rng.below(5))
        var run = run
        run.plant(ClockPlant(edit: { $0.setting(q, to: max($0[q], counter)) }), at: send.id)
        return Mutant(
            run: run, planted: [send.id, receive.id],
            description: "future-entry-propagated at \(send.event.handle): claims \(q):\(counter), received by "
                + receive.event.handle)
    }

    static func cycle(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        guard let (send, receive) = sendPair(run, &rng, kinds: [.rpcSend]) else { return nil }
        let q = receive.event.node
        let counter = receive.event.clock[q] + UInt64(rng.below(3))
        var run = run
        run.plant(ClockPlant(edit: { $0.setting(q, to: max($0[q], counter)) }), at: send.id)
        run.plant(ClockPlant(mergesUnplantedSource: true), at: receive.id)
        return Mutant(
            run: run, planted: [send.id, receive.id],
            description:
                "causal-cycle: \(send.event.handle) knows \(q):\(counter), its own receive \(receive.event.handle)")
    }

    static func seqSkip(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let spots = run.candidates { _, index, _ in index >= 1 }
        guard let (node, index) = rng.pick(spots) else { return nil }
        var run = run
        let event = run.events[node]![index]
        MutationRun.shiftSequence(&run.events[node]!, from: index, by: 1)
        return Mutant(run: run, planted: [event.id], description: "seq-skip at \(event.event.handle)")
    }

    static func swap(_ run: MutationRun, _ rng: inout SplitMix64) -> Mutant? {
        let spots = run.candidates { node, index, _ in index + 1 < run.events[node]!.count }
        guard let (node, index) = rng.pick(spots) else { return nil }
        let list = run.events[node]!
        return Mutant(
            run: run, planted: [list[index].id, list[index + 1].id],
            description: "swapped-lines \(list[index].event.handle) ↔ \(list[index + 1].event.handle)",
            reorder: { events in events[node]!.swapAt(index, index + 1) })
    }
}

extension VectorClock {
    /// This clock with `node`'s entry set to `value`.
    func setting(_ node: String, to value: UInt64) -> VectorClock {
        var entries = self.entries
        entries[node] = value
        return VectorClock(entries)
    }
}
