import Causality
import Foundation

/// What a (re)starting recorder continues from: its clock, the lowest own value it may use next, the remembered
/// highest values, and the segment to append to. Read from the state file plus the trace behind its last member
/// offset — never the whole trace when the state file is valid.
public struct TraceRecovery: Sendable {
    /// The clock to continue from; its own entry is the last value an earlier incarnation may have used.
    public var clock = VectorClock()
    public var highest: [String: String] = [:]
    /// The segment to append to.
    public var segment = 0
    /// How the state was found: `fresh`, `state`, `full-read` (no or an invalid state file).
    public var source = "fresh"
    /// Events read from the trace to recover.
    public var eventsRead = 0
    /// Why the state file was ignored, if it was.
    public var ignoredState: String?

    /// Recovers `node` in `directory`.
    public static func recover(node: String, directory: String, settings: TraceFileSettings) -> TraceRecovery {
        var recovery = TraceRecovery()
        let segments = TraceSegments.segmentNumbers(node: node, directory: directory)
        recovery.segment = segments.last ?? 0
        var state: TraceNodeState?
        do {
            state = try TraceNodeState.load(node: node, directory: directory, settings: settings)
        } catch {
            recovery.ignoredState = error.description
        }
        if let loaded = state, !segments.contains(loaded.segment) || !recovery.offsetFits(loaded, node, directory) {
            recovery.ignoredState =
                "state names segment \(loaded.segment) offset \(loaded.memberOffset), not in the trace"
            state = nil
        }
        if let state {
            recovery.source = "state"
            recovery.clock = state.vectorClock
            recovery.highest = state.highest
            for segment in segments where segment >= state.segment {
                let offset = segment == state.segment ? state.memberOffset : 0
                recovery.fold(
                    node, TraceSegments.path(node: node, segment: segment, directory: directory), offset, settings)
            }
            recovery.raiseOwn(node, to: state.reserved)
        } else if !segments.isEmpty {
            recovery.source = "full-read"
            for segment in segments {
                recovery.fold(node, TraceSegments.path(node: node, segment: segment, directory: directory), 0, settings)
            }
            // Values used just before a kill -9 may be missing from the file: skip a reservation's worth.
            if recovery.eventsRead > 0 { recovery.raiseOwn(node, to: recovery.clock[node] &+ settings.reservation) }
        }
        return recovery
    }

    private func offsetFits(_ state: TraceNodeState, _ node: String, _ directory: String) -> Bool {
        let path = TraceSegments.path(node: node, segment: state.segment, directory: directory)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        return state.memberOffset <= (size ?? 0)
    }

    private mutating func raiseOwn(_ node: String, to value: UInt64) {
        let own = clock[node]
        guard value > own else { return }
        var entries = clock.entries
        entries[node] = min(value, TraceNodeState.maximumCounter)
        clock = VectorClock(entries)
    }

    /// Merges the clocks (and watched values) of `node`'s events in `path` from `offset` on.
    private mutating func fold(_ node: String, _ path: String, _ offset: Int, _ settings: TraceFileSettings) {
        var merged = clock
        var highest = self.highest
        var count = 0
        _ = try? TraceFileReader().read(path: path, from: offset) { event in
            guard event.node == node, Self.isAcceptable(event.clock, node: node, settings: settings) else { return }
            merged.merge(event.clock)
            TraceStateWatch.fold(event, into: &highest, watches: settings.watches)
            count += 1
        }
        clock = merged
        self.highest = highest
        eventsRead += count
    }

    /// A clock read back from disk passes the wire's bounds: counters ≤ 2^53, known node ids.
    static func isAcceptable(_ clock: VectorClock, node: String, settings: TraceFileSettings) -> Bool {
        guard clock.count <= TraceNodeState.maximumEntries else { return false }
        for (id, counter) in clock.sortedEntries {
            if counter > TraceNodeState.maximumCounter { return false }
            if let known = settings.knownNodes, id != node, !known.contains(id) { return false }
        }
        return true
    }
}
