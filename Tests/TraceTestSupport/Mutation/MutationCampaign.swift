import Foundation
import SeededRandom
import Synchronization
import TraceAnalysis
import TraceFormat

/// The outcome of one operator over all its positions.
public struct MutationRow: Sendable, Encodable {
    public var name: String
    public var rule: String
    public var isDamage: Bool
    public var positions = 0
    /// Planted violations: the checker reported a violation. Damage: it said "unverifiable" (exit 2) or warned.
    public var detected = 0
    /// Planted violations: a violation's explanation names a planted event by node, pid and seq.
    public var named = 0
    /// Damage only: the checker reported a violation that the damage made up.
    public var falseViolations = 0
    /// The first positions that fell short, for replay.
    public var shortfalls: [String] = []
    /// Wall time spent on this operator (mutating, re-simulating and checking).
    public var seconds = 0.0

    /// Every position detected (and, for plants, named; for damage, without a false violation).
    public var complete: Bool {
        positions > 0 && detected == positions && (isDamage ? falseViolations == 0 : named == positions)
    }
}

/// Plants each operator at random positions of a run (seeded), runs the checker on every mutant and counts.
public struct MutationCampaign: Sendable {
    public var base: MutationRun
    public var seeds: [UInt64]
    /// Positions per operator and seed.
    public var positions: Int
    public var operators: [MutationOperator]

    public init(
        base: MutationRun, seeds: [UInt64], positions: Int, operators: [MutationOperator] = MutationOperator.all
    ) {
        self.base = base
        self.seeds = seeds
        self.positions = positions
        self.operators = operators
    }

    public enum Failure: Error, CustomStringConvertible {
        case baselineNotReproduced([String])
        case baselineViolations(Int)

        public var description: String {
            switch self {
            case .baselineNotReproduced(let lines):
                "re-simulating the unmutated run does not reproduce its clocks: "
                    + lines.prefix(5).joined(separator: "; ")
            case .baselineViolations(let count): "the unmutated run already has \(count) violations"
            }
        }
    }

    static let options = CheckOptions(keptFindings: 100_000)

    /// The checker over in-memory events.
    public static func check(_ events: [String: [TraceEvent]], run: MutationRun) -> CheckReport {
        CheckEngine.check(
            run.nodes.flatMap { events[$0] ?? [] }, traced: Set(run.nodes), health: run.health, options: options)
    }

    /// Checks that the re-simulation reproduces the run and that the run passes; throws otherwise.
    public func verifyBaseline() throws {
        let mismatches = try ClockSimulator.mismatches(base)
        guard mismatches.isEmpty else { throw Failure.baselineNotReproduced(mismatches) }
        let report = Self.check(try ClockSimulator.simulate(base), run: base)
        guard report.passed else { throw Failure.baselineViolations(report.violationCount) }
    }

    /// Runs every operator; `log` gets one line per shortfall (with seed and position) for replay.
    public func run(log: @escaping @Sendable (String) -> Void = { _ in }) throws -> [MutationRow] {
        try verifyBaseline()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mutation-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        // MUTATION_KEEP=1 keeps the scratch folder (the baseline run and the damaged copies) to replay a shortfall.
        let keep = ProcessInfo.processInfo.environment["MUTATION_KEEP"] != nil
        defer { if keep { log("kept \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) } }
        let baseline = scratch + "/baseline"
        var baselineWarnings = 0
        if operators.contains(where: \.isDamage) {
            try Self.write(base, to: baseline)
            let report = try RunAnalysis.check(directory: baseline, options: Self.options)
            guard report.passed else { throw Failure.baselineViolations(report.violationCount) }
            baselineWarnings = report.warningCount
        }
        // Operators run in parallel (each on its own generator, so the result does not depend on the schedule).
        let results = Mutex<[Int: Result<MutationRow, any Error>]>([:])
        let warnings = baselineWarnings
        DispatchQueue.concurrentPerform(iterations: operators.count) { number in
            let result = Result {
                try run(operators[number], scratch: scratch, baseline: baseline, baselineWarnings: warnings, log: log)
            }
            results.withLock { $0[number] = result }
        }
        return try results.withLock { results in try operators.indices.map { try results[$0]!.get() } }
    }

    private func run(
        _ op: MutationOperator, scratch: String, baseline: String, baselineWarnings: Int,
        log: @Sendable (String) -> Void
    ) throws -> MutationRow {
        let keep = ProcessInfo.processInfo.environment["MUTATION_KEEP"] != nil
        var row = MutationRow(name: op.name, rule: op.rule, isDamage: op.isDamage)
        let started = ContinuousClock.now
        for seed in seeds {
            var rng = SplitMix64(seed: seed ^ Self.fnv(op.name))
            var seen: Set<String> = []
            var attempts = 0
            while seen.count < positions && attempts < positions * 40 {
                attempts += 1
                switch op.action {
                case .events(let apply):
                    guard let mutant = apply(base, &rng), seen.insert(mutant.description).inserted else { continue }
                    try evaluate(mutant, into: &row, seed: seed, log: log)
                case .files(let damage):
                    let directory = scratch + "/\(op.name)-\(seed)-\(attempts)"
                    try FileManager.default.copyItem(atPath: baseline, toPath: directory)
                    defer { if !keep { try? FileManager.default.removeItem(atPath: directory) } }
                    guard let made = try damage(base, directory, &rng), seen.insert(made.description).inserted
                    else { continue }
                    evaluate(
                        made, directory: directory, baselineWarnings: baselineWarnings, into: &row, seed: seed, log: log
                    )
                }
            }
        }
        let elapsed = (ContinuousClock.now - started).components
        row.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return row
    }

    private func evaluate(
        _ mutant: Mutant, into row: inout MutationRow, seed: UInt64, log: @Sendable (String) -> Void
    ) throws {
        var events = try ClockSimulator.simulate(mutant.run)
        mutant.reorder?(&events)
        let report = Self.check(events, run: mutant.run)
        let planted = Set(mutant.run.identities(mutant.planted))
        let named = report.checks.flatMap(\.findings).contains { finding in
            finding.severity == .violation
                && finding.events.contains { planted.contains(PlantedEvent(node: $0.node, pid: $0.pid, seq: $0.seq)) }
        }
        row.positions += 1
        if report.violationCount > 0 { row.detected += 1 }
        if named { row.named += 1 }
        if !named {
            let fired = report.checks.filter { $0.violations > 0 }.map(\.name)
            let note =
                "seed \(seed): \(mutant.description) → "
                + (fired.isEmpty ? "missed" : "not named (\(fired.joined(separator: ", ")))")
            if row.shortfalls.count < 3 { row.shortfalls.append(note) }
            log(note)
        }
    }

    private func evaluate(
        _ damage: Damage, directory: String, baselineWarnings: Int, into row: inout MutationRow, seed: UInt64,
        log: @Sendable (String) -> Void
    ) {
        row.positions += 1
        let verdict: String
        if let report = try? RunAnalysis.check(directory: directory, options: Self.options) {
            if report.exitStatus == 2 {
                verdict = "unverifiable"
            } else if report.violationCount > 0 {
                verdict =
                    "false violation (" + report.checks.filter { $0.violations > 0 }.map(\.name).joined(separator: ", ")
                    + ")"
            } else if report.warningCount > baselineWarnings || report.files.contains(where: { !$0.problems.isEmpty }),
                damage.mustMention.map({ report.text().contains($0) }) ?? true
            {
                verdict = "warned"
            } else {
                verdict = "silent"
            }
        } else {
            verdict = "unverifiable"
        }
        if verdict == "unverifiable" || verdict == "warned" { row.detected += 1 }
        if verdict.hasPrefix("false") { row.falseViolations += 1 }
        if verdict != "unverifiable" && verdict != "warned" {
            let note = "seed \(seed): \(damage.description) → \(verdict)"
            if row.shortfalls.count < 3 { row.shortfalls.append(note) }
            log(note)
        }
    }

    /// Writes the run's (re-simulated) events with the project's trace writer, one file per node.
    public static func write(_ run: MutationRun, to directory: String) throws {
        let events = try ClockSimulator.simulate(run)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for node in run.nodes {
            let writer = try TraceFileWriter(path: TraceSegments.path(node: node, segment: 0, directory: directory))
            for event in events[node]! { writer.append(event) }
            writer.close()
        }
    }

    /// FNV-1a of `text`: a stable per-operator seed offset (String.hashValue changes per process).
    static func fnv(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }

    /// The table for docs/benchmarks.md (Markdown).
    public static func table(_ rows: [MutationRow]) -> String {
        var lines = [
            "| operator | rule | positions | detected | named the event | false violations |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for row in rows {
            let named = row.isDamage ? "–" : "\(row.named)"
            let falses = row.isDamage ? "\(row.falseViolations)" : "–"
            lines.append("| \(row.name) | \(row.rule) | \(row.positions) | \(row.detected) | \(named) | \(falses) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
