import ClusterProtocol
import Election
import Foundation
import TraceFormat

/// The post-mortem of `FailoverAnalyzer` as data: what `trace-analyzer failover --format json` prints and what
/// the text rendering draws.
public struct FailoverDocument: Sendable, Codable, Equatable {
    /// One event, with its time from the run's start.
    public struct Event: Sendable, Codable, Equatable {
        public var node: String
        public var pid: Int32
        public var seq: UInt64
        public var kind: String
        public var summary: String
        public var wallTimeNanos: Int64
        /// Wall time from the start of the run (the earliest event seen).
        public var atNanos: Int64
    }

    /// An order in flight at the change and what happened to it afterwards.
    public struct InFlight: Sendable, Codable, Equatable {
        public var order: String
        public var event: Event
        public var fate: [Event]
    }

    /// A named duration between two events of the change.
    public struct Duration: Sendable, Codable, Equatable {
        public var name: String
        public var nanos: Int64
        /// True when the later event's wall clock reads earlier than the first's although it follows it causally
        /// (the two nodes' clocks disagree): `nanos` is then the raw, negative difference.
        public var clockSkew: Bool
    }

    public struct Change: Sendable, Codable, Equatable {
        public var number: Int
        public var previousLeader: String?
        public var previousEpoch: String?
        public var leader: String
        public var epoch: String
        /// The new epoch is below the previous one (the queue fences it).
        public var stale: Bool
        public var lastHeartbeat: Event?
        public var lastSignOfLife: Event?
        public var timeouts: [Event]
        public var election: [Event]
        public var claim: Event
        public var adoptions: [Event]
        public var firstDequeue: Event?
        public var inFlight: [InFlight]
        public var durations: [Duration]
    }

    /// Wall time of the run's earliest event (the origin of every `atNanos`).
    public var startWallTimeNanos: Int64
    public var changes: [Change]
}

extension FailoverAnalyzer {
    /// The post-mortem as data. `start`: the origin of the times (default and at most: the earliest event seen).
    public func document(start: Int64? = nil) -> FailoverDocument {
        let origin = min(start ?? .max, earliestWallTime ?? start ?? 0)
        func event(_ run: RunEvent) -> FailoverDocument.Event {
            let e = run.event
            return FailoverDocument.Event(
                node: e.node, pid: e.pid, seq: e.sequence, kind: e.kind.rawValue, summary: EventDescriber.summary(e),
                wallTimeNanos: e.wallTimeNanos, atNanos: e.wallTimeNanos &- origin)
        }
        return FailoverDocument(
            startWallTimeNanos: origin,
            changes: changes.enumerated().map { number, unordered in
                var change = unordered
                change.election = Self.causalWallOrder(change.election)
                change.adoptions = Self.causalWallOrder(change.adoptions)
                let timeouts = change.election.filter { $0.event.kind.rawValue == "heartbeat.timeout" }
                var stale = false
                if let previous = change.previousEpoch.flatMap({ Epoch($0) }), let epoch = Epoch(change.epoch) {
                    stale = epoch < previous
                }
                return FailoverDocument.Change(
                    number: number + 1, previousLeader: change.previousLeader, previousEpoch: change.previousEpoch,
                    leader: change.claim.event.node, epoch: change.epoch, stale: stale,
                    lastHeartbeat: change.lastHeartbeat.map(event), lastSignOfLife: change.lastSignOfLife.map(event),
                    timeouts: timeouts.map(event),
                    election: change.election.filter { $0.event.kind.rawValue != "heartbeat.timeout" }.map(event),
                    claim: event(change.claim), adoptions: change.adoptions.map(event),
                    firstDequeue: change.firstDequeue.map(event),
                    inFlight: change.inFlight.map { order, first in
                        FailoverDocument.InFlight(
                            order: order, event: event(first), fate: (change.fates[order] ?? []).map(event))
                    },
                    durations: Self.durations(change, timeouts: timeouts))
            })
    }

    /// `events` in wall-time order where causality allows: an event never comes before one that happened before it
    /// (so a node whose wall clock is behind does not reorder causes and effects), and concurrent events go by their
    /// nodes' wall clocks. Quadratic, for the short lists of one change.
    static func causalWallOrder(_ events: [RunEvent]) -> [RunEvent] {
        var remaining = events
        var ordered: [RunEvent] = []
        ordered.reserveCapacity(events.count)
        while !remaining.isEmpty {
            var best: Int?
            for candidate in remaining.indices {
                let event = remaining[candidate]
                let ready = !remaining.contains { $0 !== event && $0.compare(event) == .before }
                guard ready else { continue }
                if best == nil || event.event.wallTimeNanos < remaining[best!].event.wallTimeNanos { best = candidate }
            }
            ordered.append(remaining.remove(at: best ?? 0))
        }
        return ordered
    }

    private static func durations(_ change: Change, timeouts: [RunEvent]) -> [FailoverDocument.Duration] {
        func gap(_ name: String, _ from: RunEvent?, _ to: RunEvent?) -> FailoverDocument.Duration? {
            guard let from, let to else { return nil }
            let nanos = to.event.wallTimeNanos &- from.event.wallTimeNanos
            return FailoverDocument.Duration(name: name, nanos: nanos, clockSkew: nanos < 0)
        }
        let firstStart = change.election.first { $0.event.kind.rawValue == "election.start" }
        let adopted = change.adoptions.last { $0.event.kind.rawValue == "election.leader" }
        return [
            gap("old leader's last sign of life → first timeout", change.lastSignOfLife, timeouts.first),
            gap("first timeout/election start → claim", timeouts.first ?? firstStart, change.claim),
            gap("claim → last follower adopts", change.claim, adopted),
            gap("claim → new leader's first dequeue", change.claim, change.firstDequeue),
            gap(
                "old leader's last dequeue → new leader's first (no work done)", change.lastOldDequeue,
                change.firstDequeue),
        ].compactMap { $0 }
    }

    /// The post-mortem as JSON (`trace-analyzer failover --format json`).
    public func json(start: Int64? = nil) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document(start: start))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The post-mortem as text (fits `width` columns).
    public func text(width: Int = 120, start: Int64? = nil) -> String {
        let document = document(start: start)
        guard !document.changes.isEmpty else { return "no leader change in this run\n" }
        func line(_ event: FailoverDocument.Event) -> String {
            TextLayout.fit(
                "    " + TextLayout.pad("+" + TextLayout.duration(event.atNanos), 11, right: true) + "  "
                    + TextLayout.pad("\(event.node)#\(event.seq)", 18) + event.summary, width)
        }
        var lines: [String] = []
        for change in document.changes {
            let heading = change.previousLeader.map { "\($0) (epoch \(change.previousEpoch ?? "?")) → " } ?? "initial: "
            let stale =
                change.stale ? " — stale: lower than \(change.previousEpoch ?? "?"), so the queue fences it" : ""
            lines.append("leader change \(change.number): \(heading)\(change.leader) (epoch \(change.epoch))" + stale)
            if let old = change.lastHeartbeat { lines += ["  old leader's last heartbeat/election RPC", line(old)] }
            if let old = change.lastSignOfLife { lines += ["  old leader's last event before the claim", line(old)] }
            if !change.timeouts.isEmpty { lines += ["  followers' timeouts"] + change.timeouts.map(line) }
            if !change.election.isEmpty {
                lines.append("  election")
                lines += change.election.prefix(12).map(line)
                if change.election.count > 12 {
                    lines.append("    … \(change.election.count - 12) more election events")
                }
            }
            lines += ["  coordinator: \(change.leader) claims epoch \(change.epoch)", line(change.claim)]
            if !change.adoptions.isEmpty {
                lines.append("  announcement and adoption of epoch \(change.epoch)")
                lines += change.adoptions.prefix(10).map(line)
                if change.adoptions.count > 10 { lines.append("    … \(change.adoptions.count - 10) more") }
            }
            if let first = change.firstDequeue { lines += ["  new leader's first dequeue", line(first)] }
            if !change.inFlight.isEmpty {
                lines.append("  orders in flight and their fate")
                for flight in change.inFlight {
                    let last = flight.fate.last.map { "\($0.node)#\($0.seq) \($0.summary)" }
                    lines.append(
                        TextLayout.fit(
                            "    order \(EventDescriber.shortID(flight.order)): \(flight.event.summary) → "
                                + (last ?? "no later event"), width))
                    for step in flight.fate.prefix(6) { lines.append("  " + line(step)) }
                    if flight.fate.count > 6 { lines.append("      … \(flight.fate.count - 6) more events") }
                }
            }
            lines.append("  durations")
            lines += change.durations.map { duration in
                let value =
                    duration.clockSkew
                    ? "≤ 0 (the wall clocks disagree by \(TextLayout.duration(-duration.nanos)))"
                    : TextLayout.duration(duration.nanos)
                return "    \(duration.name): \(value)"
            }
            lines.append("")
        }
        return lines.map { TextLayout.fit($0, width) }.joined(separator: "\n") + "\n"
    }
}
