import Causality
import Foundation
import TraceAnalysis
import TraceFormat

/// A clock edit planted at one event of a `MutationRun`, applied while `ClockSimulator` re-simulates the run.
public struct ClockPlant: Sendable {
    /// Applied to the event's clock after its merge and tick.
    public var edit: (@Sendable (VectorClock) -> VectorClock)?
    /// When false, later events are simulated from the clock without `edit` (a change of this one line only).
    public var propagates: Bool
    /// Other events whose clocks this event merges: knowledge that came with no message.
    public var alsoMerges: [Int]
    /// A receive that does not merge its message's clock.
    public var skipsMerge: Bool
    /// A receive that merges its send's clock as it was before the send's own plant.
    public var mergesUnplantedSource: Bool

    public init(
        edit: (@Sendable (VectorClock) -> VectorClock)? = nil, propagates: Bool = true, alsoMerges: [Int] = [],
        skipsMerge: Bool = false, mergesUnplantedSource: Bool = false
    ) {
        self.edit = edit
        self.propagates = propagates
        self.alsoMerges = alsoMerges
        self.skipsMerge = skipsMerge
        self.mergesUnplantedSource = mergesUnplantedSource
    }
}

/// One event of a run under mutation, with the causal structure the re-simulation needs.
public struct SimEvent: Sendable {
    /// Stable across insertions and removals.
    public let id: Int
    /// The event; its `vc` is the original clock until the run is simulated.
    public var event: TraceEvent
    /// The send whose clock this event merges (a receive with a matched send); nil for local events.
    public var source: Int?
    /// Knowledge the original event had beyond merge(previous, source) + tick: a restart's recovered clock, or the
    /// clock of a message whose send is in no file. Kept so that re-simulating an unmutated run reproduces it.
    public var extra: VectorClock
    /// The first event of an incarnation (a new pid, or seq not increasing): seq renumbering stops before it.
    public var startsIncarnation: Bool
    public var plant: ClockPlant?
}

/// A whole run in memory, as events per node in file order, ready to be mutated and re-simulated.
public struct MutationRun: Sendable {
    /// Node ids in name order.
    public let nodes: [String]
    public var events: [String: [SimEvent]]
    /// The health of the files the run was read from.
    public var health: [FileHealth]
    /// Nodes whose file is clean, with one incarnation and no seq gap: the checker cannot excuse a planted
    /// violation there as a lost event.
    public let reliable: Set<String>
    private(set) var nextID: Int

    /// Reads every node file of `directory` through `RunLoader` and derives the causal structure.
    public static func load(directory: String) throws -> MutationRun {
        let loader = try RunLoader(directory: directory)
        var byNode: [String: [TraceEvent]] = [:]
        let health = try loader.forEachEventInFileOrder { node, event in byNode[node, default: []].append(event) }
        return MutationRun(byNode: byNode, health: health)
    }

    /// A run of in-memory events (grouped by node in the given order).
    public init(byNode: [String: [TraceEvent]], health: [FileHealth] = []) {
        nodes = byNode.keys.sorted()
        self.health = health
        var next = 0
        var events: [String: [SimEvent]] = [:]
        for node in nodes {
            events[node] = byNode[node]!.map { event in
                defer { next += 1 }
                return SimEvent(id: next, event: event, source: nil, extra: VectorClock(), startsIncarnation: false)
            }
        }
        nextID = next
        self.events = events
        let unhealthy = Set(health.filter { !$0.isClean || $0.truncated }.map(\.node))
        reliable = Set(
            nodes.filter { node in
                let list = events[node]!
                guard !unhealthy.contains(node), list.first?.event.sequence == 1 else { return false }
                return zip(list, list.dropFirst()).allSatisfy {
                    $0.event.pid == $1.event.pid && $1.event.sequence == $0.event.sequence + 1
                }
            })
        ClockSimulator.derive(&self)
    }

    /// Every event, node by node in file order.
    public var all: [SimEvent] { nodes.flatMap { events[$0]! } }

    /// Where the event `id` is.
    public func locate(_ id: Int) -> (node: String, index: Int)? {
        for node in nodes { if let index = events[node]!.firstIndex(where: { $0.id == id }) { return (node, index) } }
        return nil
    }

    public func event(_ id: Int) -> SimEvent? { locate(id).map { events[$0.node]![$0.index] } }

    /// Inserts `event` into `node`'s file before position `index` (≥ 1), in the incarnation of the event before it:
    /// it takes that event's pid and next seq, and later events of the incarnation move up by one seq.
    @discardableResult
    public mutating func insert(_ event: TraceEvent, node: String, at index: Int, source: Int? = nil) -> Int {
        precondition(index >= 1, "insert after an existing event")
        var list = events[node]!
        let previous = list[index - 1].event
        var event = event
        event.node = node
        event.pid = previous.pid
        event.sequence = previous.sequence + 1
        event.wallTimeNanos = previous.wallTimeNanos &+ 1
        let id = nextID
        nextID += 1
        list.insert(
            SimEvent(id: id, event: event, source: source, extra: VectorClock(), startsIncarnation: false), at: index)
        Self.shiftSequence(&list, from: index + 1, by: 1)
        events[node] = list
        return id
    }

    /// Removes the event at `index` (not the first of an incarnation); receives of it merge `redirect` instead.
    public mutating func remove(node: String, at index: Int, redirect: Int?) {
        var list = events[node]!
        precondition(!list[index].startsIncarnation, "remove only events inside an incarnation")
        let removed = list.remove(at: index).id
        Self.shiftSequence(&list, from: index, by: -1)
        events[node] = list
        for other in nodes {
            for position in events[other]!.indices where events[other]![position].source == removed {
                events[other]![position].source = redirect
            }
        }
    }

    /// Adds `delta` to the seq of the events from `index` to the end of their incarnation.
    static func shiftSequence(_ list: inout [SimEvent], from index: Int, by delta: Int64) {
        var position = index
        while position < list.count && !list[position].startsIncarnation {
            list[position].event.sequence = UInt64(Int64(list[position].event.sequence) + delta)
            position += 1
        }
    }

    /// Plants `plant` at the event `id`.
    public mutating func plant(_ plant: ClockPlant, at id: Int) {
        guard let (node, index) = locate(id) else { return }
        events[node]![index].plant = plant
    }

    /// Replaces the data of the event `id`.
    public mutating func update(_ id: Int, _ change: (inout TraceEvent) -> Void) {
        guard let (node, index) = locate(id) else { return }
        change(&events[node]![index].event)
    }
}
