import TraceFormat

/// What the engine knows about one node at a point of the merged stream (a class: the checks read it for every
/// event, and the engine updates it in place).
final class NodeState {
    var last: RunEvent
    /// 0 for the first process of the node, +1 at each restart (pid change or seq not increasing).
    var incarnation = 0
    /// The own entry of the last event of each earlier incarnation (counters above it may be reused).
    var restartFloors: [UInt64] = []
    /// Highest own entry recorded so far.
    var maxOwn: UInt64
    /// True once a seq gap was seen (events dropped by the writer).
    var sawGap = false
    /// True once the current incarnation recorded `node.stopping` (a clean stop began).
    var stopping = false
    /// True when the current incarnation started at or below an own entry an earlier incarnation recorded (a writer
    /// that does not continue its clock, §3.4 caveats): peers may then send it a larger own entry. False for the
    /// first incarnation and for incarnations that continue above the earlier ones (§1.5).
    var reusesCounters = false

    init(last: RunEvent, maxOwn: UInt64, sawGap: Bool, stopping: Bool) {
        self.last = last
        self.maxOwn = maxOwn
        self.sawGap = sawGap
        self.stopping = stopping
    }
}

/// The shared per-node state that the checks read. Updated by the engine after every check saw the event.
public final class RunState {
    /// Nodes that have a trace file; other nodes are external.
    public let traced: Set<String>
    let index: NodeIndex
    /// By node number: traced or not, state so far, highest own entry recorded so far.
    let isTraced: [Bool]
    var states: [NodeState?]
    var maxOwn: [UInt64]
    /// Filled at the end, from the readers.
    var health: [String: FileHealth] = [:]
    var examined = 0
    /// The payloads of the event the checks are looking at, decoded once for all of them (`RunState+Payloads`).
    var decoded = DecodedPayloads()
    /// The number of the node named `queue` (-1: none).
    let queueNumber: Int
    /// Node names as numbers, for the checks' tables (the index's numbers, then names outside it).
    var numbers: NodeNumbers
    /// The event the checks are looking at, and whether it starts an incarnation of its node (asked by most checks).
    private var current: RunEvent?
    private var currentStarts = false

    init(traced: Set<String>, index: NodeIndex) {
        self.traced = traced
        self.index = index
        isTraced = index.names.map { traced.contains($0) }
        states = Array(repeating: nil, count: index.names.count)
        maxOwn = Array(repeating: 0, count: index.names.count)
        queueNumber = index.position("queue") ?? -1
        numbers = NodeNumbers(index)
    }

    /// The event the checks see next (before they see it).
    func begin(_ event: RunEvent) {
        current = nil
        currentStarts = startsIncarnation(event)
        current = event
    }

    /// True when node number `number` (of `numbers`; `name` is its name) has a trace file.
    func isTraced(_ number: Int, _ name: String) -> Bool {
        number < isTraced.count ? isTraced[number] : traced.contains(name)
    }

    /// True when `event` was recorded by the node named `queue` (compared by number).
    func recordedByQueue(_ event: RunEvent) -> Bool {
        event.node >= 0 ? event.node == queueNumber : event.envelope.node == "queue"
    }

    /// The state of `event`'s node before it (nil for its first event).
    func previous(of event: RunEvent) -> NodeState? {
        event.node >= 0 ? states[event.node] : previous(event.envelope.node)
    }

    /// Every node's state, by name.
    var nodes: [String: NodeState] {
        var result: [String: NodeState] = [:]
        for (position, state) in states.enumerated() { if let state { result[index.names[position]] = state } }
        return result
    }

    /// The state of `node` before the event being checked (nil for its first event).
    func previous(_ node: String) -> NodeState? { index.position(node).flatMap { states[$0] } }

    /// The highest own entry `node` recorded so far.
    func recorded(_ node: String) -> UInt64 { index.position(node).map { maxOwn[$0] } ?? 0 }

    /// True when the event starts a new incarnation of its node.
    func startsIncarnation(_ event: RunEvent) -> Bool {
        if event === current { return currentStarts }
        guard event.node >= 0, let previous = states[event.node] else { return false }
        return previous.last.envelope.pid != event.envelope.pid
            || event.envelope.sequence <= previous.last.envelope.sequence
    }

    func update(with event: RunEvent) {
        let starts = startsIncarnation(event)
        current = nil
        guard event.node >= 0 else { return }
        let own = event.dense[event.node]
        maxOwn[event.node] = max(maxOwn[event.node], own)
        guard let state = states[event.node] else {
            states[event.node] = NodeState(
                last: event, maxOwn: own, sawGap: event.envelope.sequence > 1,
                stopping: event.kindCode == .nodeStopping)
            return
        }
        if starts {
            state.stopping = false
            state.incarnation += 1
            state.restartFloors.append(state.last.dense[event.node])
            state.reusesCounters = own <= state.maxOwn
            if event.envelope.sequence > 1 { state.sawGap = true }
        } else if event.envelope.sequence > state.last.envelope.sequence + 1 {
            state.sawGap = true
        }
        state.last = event
        state.maxOwn = max(state.maxOwn, own)
        if event.kindCode == .nodeStopping { state.stopping = true }
    }

    /// True when `node`'s last incarnation began a clean stop (`node.stopping`): events it recorded after its
    /// trace writer closed were dropped (§1.6), so references beyond its last event are "lost", not violations.
    func stoppedAtEnd(_ node: String) -> Bool { previous(node)?.stopping ?? false }

    /// True when events of `node` may be missing from the trace (damaged, truncated, gaps, restarts).
    func mayHaveLost(_ node: String) -> Bool {
        guard let state = previous(node) else { return true }
        return state.sawGap || !state.restartFloors.isEmpty || mayHaveLostLines(node)
    }

    /// True when `node`'s file lost lines: damage, truncation, or a malformed line (its event is not in the stream).
    func mayHaveLostLines(_ node: String) -> Bool {
        guard let health = health[node] else { return false }
        return health.mayHaveLostEvents || health.malformedCount > 0
    }
}
