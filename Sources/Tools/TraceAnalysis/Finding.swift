import Causality
import TraceFormat

/// An event named in an explanation: `E1 = executor-2#57 dequeue order 4f1c5a2b… vc={…}`.
public struct EventReference: Sendable, Codable, Equatable {
    /// `E1`, `E2`, … within one finding.
    public var label: String
    public var node: String
    public var pid: Int32
    public var seq: UInt64
    public var kind: String
    /// A short human description (`dequeue order 4f1c5a2b… lease 74 epoch 2.2`).
    public var summary: String
    /// The compact clock (text reports).
    public var clock: String
    /// The clock itself: the JSON report writes it as an object (`{"queue":5,"executor-1":3}`), not as text.
    public var vectorClock: VectorClock
    /// `file:line` when known.
    public var location: String?

    enum CodingKeys: String, CodingKey {
        case label, node, pid, seq, kind, summary, clock, location
    }

    public init(label: String, event: RunEvent) {
        self.label = label
        node = event.envelope.node
        pid = event.envelope.pid
        seq = event.envelope.sequence
        kind = event.envelope.kind.rawValue
        summary = EventDescriber.summary(event.event)
        clock = event.clock.description
        vectorClock = event.clock
        location = event.line > 0 ? "\(event.envelope.node).jsonl.gz:\(event.line)" : nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        label = try container.decode(String.self, forKey: .label)
        node = try container.decode(String.self, forKey: .node)
        pid = try container.decode(Int32.self, forKey: .pid)
        seq = try container.decode(UInt64.self, forKey: .seq)
        kind = try container.decode(String.self, forKey: .kind)
        summary = try container.decode(String.self, forKey: .summary)
        vectorClock = try container.decode(VectorClock.self, forKey: .clock)
        clock = vectorClock.description
        location = try container.decodeIfPresent(String.self, forKey: .location)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(label, forKey: .label)
        try container.encode(node, forKey: .node)
        try container.encode(pid, forKey: .pid)
        try container.encode(seq, forKey: .seq)
        try container.encode(kind, forKey: .kind)
        try container.encode(summary, forKey: .summary)
        try container.encode(vectorClock, forKey: .clock)
        try container.encodeIfPresent(location, forKey: .location)
    }

    /// `E1 = executor-2#57 dequeue order 4f1c… vc={…} (executor-2.jsonl.gz:57)`.
    public var line: String {
        var text = "\(label) = \(node)#\(seq) \(summary) vc=\(clock)"
        if let location { text += " (\(location))" }
        return text
    }
}

/// One violation or warning, explained the way Elle explains an anomaly: the events involved, numbered
/// steps of reasoning, and the rule that broke.
public struct Finding: Sendable, Codable, Equatable {
    public enum Severity: String, Sendable, Codable, Comparable {
        case violation, warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .violation && rhs == .warning }
    }

    public var check: String
    public var severity: Severity
    /// One line: what is wrong.
    public var title: String
    public var events: [EventReference]
    /// "E1 < E2 because …", "However …".
    public var steps: [String]
    /// The rule that broke.
    public var rule: String

    public init(
        check: String, severity: Severity = .violation, title: String, events: [EventReference] = [],
        steps: [String] = [], rule: String
    ) {
        self.check = check
        self.severity = severity
        self.title = title
        self.events = events
        self.steps = steps
        self.rule = rule
    }

    /// Nodes of the events involved (for `--node` filtering of findings).
    public var nodes: Set<String> { Set(events.map(\.node)) }

    /// The explanation as indented text lines, wrapped to `width` columns.
    public func textLines(width: Int = 120) -> [String] {
        var lines = TextLayout.wrap(
            "\(severity == .violation ? "VIOLATION" : "warning") [\(check)] \(title)",
            width: width, indent: "    ")
        for event in events {
            var head = "  \(event.label) = \(event.node)#\(event.seq) \(event.summary)"
            if let location = event.location { head += "  (\(location))" }
            lines += TextLayout.wrap(head, width: width, indent: "       ")
            lines += TextLayout.wrap("       vc=\(event.clock)", width: width, indent: "          ", breakAt: ",")
        }
        for (index, step) in steps.enumerated() {
            lines += TextLayout.wrap("  \(index + 1). \(step)", width: width, indent: "     ")
        }
        lines += TextLayout.wrap("  ⇒ \(rule)", width: width, indent: "    ")
        return lines
    }
}

/// Builds a finding step by step, numbering the events it names.
struct FindingBuilder {
    private(set) var finding: Finding

    init(check: String, severity: Finding.Severity = .violation, title: String, rule: String) {
        finding = Finding(check: check, severity: severity, title: title, rule: rule)
    }

    /// Names `event` as the next `E<n>` and returns the label.
    @discardableResult
    mutating func name(_ event: RunEvent) -> String {
        let label = "E\(finding.events.count + 1)"
        finding.events.append(EventReference(label: label, event: event))
        return label
    }

    mutating func step(_ text: String) { finding.steps.append(text) }
}
