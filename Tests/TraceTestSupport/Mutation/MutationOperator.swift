import Causality
import Foundation
import SeededRandom
import TraceFormat

/// An event named by its node, process and seq: what a finding must name for the plant to count as explained.
public struct PlantedEvent: Hashable, Sendable, CustomStringConvertible {
    public var node: String
    public var pid: Int32
    public var seq: UInt64

    public var description: String { "\(node)#\(seq)" }
}

/// A run with one planted violation.
public struct Mutant: Sendable {
    public var run: MutationRun
    /// The ids of the planted events (any of them named by a violation counts as "named").
    public var planted: [Int]
    /// What was planted where, for the log and for replay.
    public var description: String
    /// Applied to the re-simulated events (file order changes that are no clock rule, e.g. swapped lines).
    public var reorder: (@Sendable (inout [String: [TraceEvent]]) -> Void)?

    public init(
        run: MutationRun, planted: [Int], description: String,
        reorder: (@Sendable (inout [String: [TraceEvent]]) -> Void)? = nil
    ) {
        self.run = run
        self.planted = planted
        self.description = description
        self.reorder = reorder
    }
}

/// A damaged copy of a run's files: what was damaged, for the log.
public struct Damage: Sendable {
    public var node: String
    public var description: String
    /// When set, a warning counts only if the report's text contains this (e.g. "version" for §7's message).
    public var mustMention: String?

    public init(node: String, description: String, mustMention: String? = nil) {
        self.node = node
        self.description = description
        self.mustMention = mustMention
    }
}

/// One named way to break a run.
public struct MutationOperator: Sendable {
    public enum Action: Sendable {
        /// Changes the events in memory; the clocks are then re-simulated and the checker runs over them.
        case events(@Sendable (MutationRun, inout SplitMix64) -> Mutant?)
        /// Damages the files of the run written in a directory; the checker then reads the directory.
        case files(@Sendable (MutationRun, String, inout SplitMix64) throws -> Damage?)
    }

    public let name: String
    /// The rule the mutation breaks (docs/trace-format.md section or check).
    public let rule: String
    public let action: Action

    public init(_ name: String, rule: String, _ action: Action) {
        self.name = name
        self.rule = rule
        self.action = action
    }

    public var isDamage: Bool {
        if case .files = action { return true }
        return false
    }

    /// Every operator: clock rules, message pairing, protocol rules, then file damage.
    public static let all: [MutationOperator] =
        ClockOperators.all + MessageOperators.all + ProtocolOperators.all
        + DamageOperators.all

    public static func named(_ name: String) -> MutationOperator? { all.first { $0.name == name } }

    /// The first mutant of `run` this operator makes from generator `seed` (nil for damage, or no position found).
    public func mutant(of run: MutationRun, seed: UInt64, attempts: Int = 50) -> Mutant? {
        guard case .events(let apply) = action else { return nil }
        var rng = SplitMix64(seed: seed)
        for _ in 0..<attempts { if let mutant = apply(run, &rng) { return mutant } }
        return nil
    }
}

extension SplitMix64 {
    /// A uniformly chosen element (nil when empty).
    mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int(next() % UInt64(items.count))]
    }

    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }
}

extension MutationRun {
    /// `(node, index)` of the events of reliable nodes that satisfy `predicate`.
    func candidates(_ predicate: (String, Int, SimEvent) -> Bool) -> [(node: String, index: Int)] {
        var result: [(String, Int)] = []
        for node in nodes where reliable.contains(node) {
            for (index, event) in events[node]!.enumerated() where predicate(node, index, event) {
                result.append((node, index))
            }
        }
        return result
    }

    /// True for receives (events that merge a message's clock).
    static func isReceive(_ event: TraceEvent) -> Bool { event.kind == .rpcReceive || event.kind == .rpcReplyReceive }

    func string(_ event: TraceEvent, _ key: String) -> String? {
        if case .string(let value)? = event.data[key] { return value }
        return nil
    }

    /// The event of `node` whose original own entry is `counter`.
    func eventOf(_ node: String, own counter: UInt64) -> SimEvent? {
        events[node]?.first { $0.event.clock[node] == counter }
    }

    /// The planted events as the checker names them: node, pid and seq.
    public func identities(_ ids: [Int]) -> [PlantedEvent] {
        ids.compactMap { event($0) }.map {
            PlantedEvent(node: $0.event.node, pid: $0.event.pid, seq: $0.event.sequence)
        }
    }
}
