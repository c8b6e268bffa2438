import Causality
import TraceFormat
import TraceModel

/// Re-simulates every vector clock of a `MutationRun` by the rules of docs/trace-format.md §3.2: each event ticks
/// its node's own entry by one; a receive first merges the clock of its matched send. A planted `ClockPlant` changes
/// one event, and everything downstream of it follows the rules again, so that only the planted rule breaks.
public enum ClockSimulator {
    public enum Failure: Error, CustomStringConvertible {
        /// The structure has a cycle (a receive waiting for a send that waits for it).
        case deadlock(remaining: Int)

        public var description: String {
            switch self {
            case .deadlock(let remaining): "re-simulation deadlocked with \(remaining) events left (causal cycle)"
            }
        }
    }

    /// The key that pairs a message's send with its receive (docs/trace-format.md §4.3).
    private struct MessageKey: Hashable {
        var msg: String
        var sender: String
        var receiver: String
        var reply: Bool
    }

    private static func messageKey(_ event: TraceEvent) -> (key: MessageKey, isSend: Bool)? {
        guard case .string(let msg)? = event.data["msg"], case .string(let peer)? = event.data["peer"] else {
            return nil
        }
        switch event.kind {
        case .rpcSend: return (MessageKey(msg: msg, sender: event.node, receiver: peer, reply: false), true)
        case .rpcReplySend: return (MessageKey(msg: msg, sender: event.node, receiver: peer, reply: true), true)
        case .rpcReceive: return (MessageKey(msg: msg, sender: peer, receiver: event.node, reply: false), false)
        case .rpcReplyReceive: return (MessageKey(msg: msg, sender: peer, receiver: event.node, reply: true), false)
        default: return nil
        }
    }

    /// Pairs receives with sends, marks incarnation starts and records each event's unexplained knowledge (`extra`)
    /// from the original clocks.
    static func derive(_ run: inout MutationRun) {
        var sends: [MessageKey: [SimEvent]] = [:]
        for event in run.all {
            if let (key, isSend) = messageKey(event.event), isSend { sends[key, default: []].append(event) }
        }
        var clocks: [Int: VectorClock] = [:]
        for event in run.all { clocks[event.id] = event.event.clock }
        for node in run.nodes {
            var list = run.events[node]!
            for index in list.indices {
                let event = list[index].event
                let previous = index > 0 ? list[index - 1].event : nil
                let starts =
                    previous.map { $0.pid != event.pid || event.sequence <= $0.sequence } ?? true
                list[index].startsIncarnation = starts
                if let (key, isSend) = messageKey(event), !isSend {
                    // Of several sends with one key, the one whose clock the receive includes (§4.3).
                    list[index].source = sends[key]?.first { $0.event.clock.isDominated(by: event.clock) }?.id
                }
                // A restarted recorder continues from its state file and its trace (§1.5): like any event, an
                // incarnation's first event starts from the previous event's clock; the reservation jump is `extra`.
                var expected = previous?.clock ?? VectorClock()
                if let source = list[index].source, let clock = clocks[source] { expected.merge(clock) }
                expected.tick(node)
                var extra: [String: UInt64] = [:]
                for (other, counter) in event.clock.entries where counter > expected[other] {
                    extra[other] = other == node ? counter - 1 : counter
                }
                list[index].extra = VectorClock(extra)
            }
            run.events[node] = list
        }
    }

    /// The run's events with every clock re-simulated (plants applied), node by node in file order.
    public static func simulate(_ run: MutationRun) throws(Failure) -> [String: [TraceEvent]] {
        var downstream: [Int: VectorClock] = [:]
        var unedited: [Int: VectorClock] = [:]
        let present = Set(run.all.map(\.id))
        var output: [String: [TraceEvent]] = [:]
        var positions: [String: Int] = [:]
        for node in run.nodes {
            output[node] = []
            output[node]!.reserveCapacity(run.events[node]!.count)
            positions[node] = 0
        }
        var remaining = run.all.count
        while remaining > 0 {
            var progressed = false
            for node in run.nodes {
                let list = run.events[node]!
                while let position = positions[node], position < list.count {
                    let event = list[position]
                    let needs = ([event.source].compactMap { $0 } + (event.plant?.alsoMerges ?? []))
                        .filter { present.contains($0) }
                    guard needs.allSatisfy({ downstream[$0] != nil }) else { break }
                    var clock = position == 0 ? VectorClock() : downstream[list[position - 1].id]!
                    if let source = event.source, present.contains(source), event.plant?.skipsMerge != true {
                        clock.merge(
                            event.plant?.mergesUnplantedSource == true ? unedited[source]! : downstream[source]!)
                    }
                    for other in event.plant?.alsoMerges ?? [] where present.contains(other) {
                        clock.merge(downstream[other]!)
                    }
                    clock.merge(event.extra)
                    clock.tick(node)
                    unedited[event.id] = clock
                    let edited = event.plant?.edit?(clock) ?? clock
                    downstream[event.id] = event.plant?.propagates == false ? clock : edited
                    var traced = event.event
                    traced.clock = edited
                    output[node]!.append(traced)
                    positions[node] = position + 1
                    remaining -= 1
                    progressed = true
                }
            }
            if !progressed { throw .deadlock(remaining: remaining) }
        }
        return output
    }

    /// The events whose re-simulated clock differs from the clock they carry (empty for an unmutated run whose
    /// clocks obey §3.2: the check that the re-simulation is faithful).
    public static func mismatches(_ run: MutationRun) throws(Failure) -> [String] {
        let simulated = try simulate(run)
        var result: [String] = []
        for node in run.nodes {
            for (original, again) in zip(run.events[node]!, simulated[node]!)
            where original.event.clock != again.clock {
                result.append("\(original.event.handle): \(original.event.clock) re-simulated as \(again.clock)")
            }
        }
        return result
    }
}
