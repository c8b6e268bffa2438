import Causality
import TraceFormat

/// Tunables of the checks.
public struct CheckOptions: Sendable {
    /// How much earlier than its send a receive may be stamped (wall time) before it is a warning.
    public var clockSkewToleranceNanos: Int64 = 50_000_000
    /// Findings kept per check and severity (all are counted; the rest are reported as omitted). `Int.max`: all.
    public var keptFindings = 20

    public init(clockSkewToleranceNanos: Int64 = 50_000_000, keptFindings: Int = 20) {
        self.clockSkewToleranceNanos = clockSkewToleranceNanos
        self.keptFindings = keptFindings
    }
}

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

/// One named check of the list in `trace-analyzer check`.
class RunCheck {
    let number: Int
    let name: String
    let title: String
    let options: CheckOptions
    var examined = 0
    private(set) var kept: [Finding] = []
    private(set) var violationCount = 0
    private(set) var warningCount = 0
    private var keptViolations = 0
    private var keptWarnings = 0
    var info: [String: Int] = [:]

    init(number: Int, name: String, title: String, options: CheckOptions) {
        self.number = number
        self.name = name
        self.title = title
        self.options = options
    }

    /// Sees one event, before `state` is updated with it.
    func observe(_ event: RunEvent, _ state: RunState) {}

    /// Called once after the last event (not called for partial reads).
    func finish(_ state: RunState) {}

    func report(_ finding: Finding) {
        switch finding.severity {
        case .violation:
            violationCount += 1
            guard keptViolations < options.keptFindings else { return }
            keptViolations += 1
        case .warning:
            warningCount += 1
            guard keptWarnings < options.keptFindings else { return }
            keptWarnings += 1
        }
        kept.append(finding)
    }

    /// Turns each kept violation that rests on a suspect event (`suspectLine` gives the first suspect line of a
    /// node's file, if any) into an unverifiable warning that says so (§1.7: a member that failed its check).
    func downgradeViolations(restingOn suspectLine: (String) -> Int?) {
        for index in kept.indices where kept[index].severity == .violation {
            let suspect = kept[index].events.first { reference in
                guard let first = suspectLine(reference.node), let location = reference.location,
                    let line = location.split(separator: ":").last.flatMap({ Int($0) })
                else { return false }
                return line >= first
            }
            guard let suspect else { continue }
            kept[index].severity = .warning
            kept[index].title += " (unverifiable: evidence from a damaged gzip member)"
            kept[index].steps.append(
                "\(suspect.label) was read from \(suspect.location ?? suspect.node), at or after the start of the "
                    + "gzip member that failed its check: a flipped bit can change an id and leave the line "
                    + "well-formed (trace format §1.7). Unverifiable, not a violation.")
            violationCount -= 1
            keptViolations -= 1
            warningCount += 1
            keptWarnings += 1
        }
    }

    /// Counts `count` findings of `severity` that are not kept (they show as omitted).
    func countOmitted(_ severity: Finding.Severity, _ count: Int) {
        guard count > 0 else { return }
        switch severity {
        case .violation: violationCount += count
        case .warning: warningCount += count
        }
    }

    func builder(_ title: String, rule: String, severity: Finding.Severity = .violation) -> FindingBuilder {
        FindingBuilder(check: name, severity: severity, title: title, rule: rule)
    }

    var result: CheckResult {
        CheckResult(
            number: number, name: name, title: title, examined: examined, violations: violationCount,
            warnings: warningCount, info: info, findings: kept,
            omitted: violationCount + warningCount - kept.count)
    }
}

/// Runs all checks over a merged event stream in one pass.
public final class CheckEngine {
    let state: RunState
    /// The checks in report order.
    let checks: [RunCheck]
    // The same checks, called directly for every event (no dynamic dispatch, no retain per check and event).
    private let own: OwnClockCheck
    private let knowledge: KnowledgeCheck
    private let messages: MessageCheck
    private let future: FutureClockCheck
    private let cycles: CycleCheck
    private let exclusion: MutualExclusionCheck
    private let election: ElectionCheck
    private let exactlyOnce: ExactlyOnceCheck
    private let completion: RPCCompletionCheck
    private let payloads: PayloadCheck

    /// - Parameters:
    ///   - traced: the nodes that have a trace file in the run.
    ///   - index: every node whose events will be fed (defaults to `traced`).
    public init(traced: Set<String>, index: NodeIndex? = nil, options: CheckOptions = CheckOptions()) {
        state = RunState(traced: traced, index: index ?? NodeIndex(traced))
        own = OwnClockCheck(options: options)
        knowledge = KnowledgeCheck(options: options)
        messages = MessageCheck(options: options)
        future = FutureClockCheck(options: options)
        cycles = CycleCheck(options: options)
        exclusion = MutualExclusionCheck(options: options)
        election = ElectionCheck(options: options)
        exactlyOnce = ExactlyOnceCheck(options: options)
        completion = RPCCompletionCheck(options: options)
        let wallClock = WallClockCheck(options: options)
        payloads = PayloadCheck(options: options)
        checks = [
            own, knowledge, messages, future, cycles, exclusion, election, exactlyOnce, completion, wallClock, payloads,
        ]
        messages.cycles = cycles
        messages.wallClock = wallClock
        knowledge.messages = messages
    }

    /// Feeds the next event of the merged stream. The event keeps its decoded payloads: they are freed with it,
    /// mostly by the reader thread that built it (dropping them here cost the one merging thread a free per event).
    public func observe(_ event: RunEvent) {
        state.examined += 1
        state.begin(event)
        own.observe(event, state)
        knowledge.observe(event, state)
        messages.observe(event, state)
        future.observe(event, state)
        cycles.observe(event, state)
        exclusion.observe(event, state)
        election.observe(event, state)
        exactlyOnce.observe(event, state)
        completion.observe(event, state)
        payloads.observe(event, state)
        state.update(with: event)
    }

    /// Ends the pass. With `partial` (the read stopped early), end-of-run checks are skipped.
    public func finish(health: [FileHealth], partial: Bool = false) -> CheckReport {
        for file in health { state.health[file.node] = file }
        if !partial { for check in checks { check.finish(state) } }
        let suspect = Dictionary(health.compactMap { file in file.suspectFromLine.map { (file.node, $0) } }) {
            min($0, $1)
        }
        if !suspect.isEmpty { for check in checks { check.downgradeViolations(restingOn: { suspect[$0] }) } }
        return CheckReport(
            events: state.examined, files: health, partial: partial, checks: checks.map(\.result),
            ledger: exactlyOnce.ledger)
    }

    /// Checks in-memory events (tests, small fixtures): merges them like a run directory and runs every check.
    /// `health` describes the (pretend) files, e.g. a truncated one for a killed node.
    public static func check(
        _ events: [TraceEvent], traced: Set<String>? = nil, health: [FileHealth] = [],
        options: CheckOptions = CheckOptions()
    ) -> CheckReport {
        let index = NodeIndex(events.map(\.node) + (traced.map(Array.init) ?? []))
        let engine = CheckEngine(traced: traced ?? Set(events.map(\.node)), index: index, options: options)
        for event in CausalMerge.merge(events, index: index) { engine.observe(event) }
        return engine.finish(health: health)
    }
}
