import Causality
import TraceFormat

/// Tunables of the checks.
public struct CheckOptions: Sendable {
    /// How much earlier than its send a receive may be stamped (wall time) before it is a warning.
    public var clockSkewToleranceNanos: Int64 = 50_000_000
    /// Findings kept per check and severity (all are counted; the rest are reported as omitted). `Int.max`: all.
    public var keptFindings = 20
    /// False for a process that exits right after the check (the CLI): the checks' state (their tables and the
    /// events they kept: tens of MB on a long run) is then left for the exit to reclaim instead of being freed
    /// object by object on one thread while the other cores idle.
    public var freesStateAfterwards = true

    public init(clockSkewToleranceNanos: Int64 = 50_000_000, keptFindings: Int = 20, freesStateAfterwards: Bool = true)
    {
        self.clockSkewToleranceNanos = clockSkewToleranceNanos
        self.keptFindings = keptFindings
        self.freesStateAfterwards = freesStateAfterwards
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
        let kind = event.kindCode
        if kind.isQueue || kind.isExecutor || kind == .orderDecision {
            observeProtocol(event)
        } else {
            election.observe(event, state)
            exactlyOnce.observe(event, state)
        }
        completion.observe(event, state)
        payloads.observe(event, state)
        state.update(with: event)
        // Mutual exclusion keeps thousands of lease events (`queue.*`, its windows of granted and ended leases):
        // those keep no decoded payloads (a later read decodes them again, with the same result).
        if event.kindCode.isQueue { event.dropPayloads() }
    }

    /// Mutual exclusion, election and exactly-once for an event whose protocol payload the first and last read: decoded
    /// (copied out of its `Result`) once for both, and only for such events (an optional payload costs a copy and a
    /// destroy even when nil).
    private func observeProtocol(_ event: RunEvent) {
        let decoded = state.protocolEvent(event)
        exclusion.observe(event, decoded: decoded)
        election.observe(event, state)
        exactlyOnce.observe(event, state)
        exactlyOnce.observe(event, state, decoded: decoded)
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
