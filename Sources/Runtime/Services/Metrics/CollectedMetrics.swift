import Foundation

/// A metric family whose values are read when Prometheus scrapes (process figures, the trace writer's
/// counters, the queue's oldest order), rendered in the text exposition format next to the registry's families.
public struct CollectedFamily: Sendable, Equatable {
    public var name: String
    public var kind: MetricDefinition.Kind
    public var help: String
    /// Each series: its own labels (the node's `service`/`node` are added when rendered) and value.
    public var samples: [Sample]

    public struct Sample: Sendable, Equatable {
        public var labels: [(String, String)]
        public var value: Double

        public init(labels: [(String, String)] = [], value: Double) {
            self.labels = labels
            self.value = value
        }

        public static func == (a: Sample, b: Sample) -> Bool {
            a.value == b.value && a.labels.elementsEqual(b.labels) { $0 == $1 }
        }
    }

    public init(name: String, kind: MetricDefinition.Kind, help: String, samples: [Sample]) {
        self.name = name
        self.kind = kind
        self.help = help
        self.samples = samples
    }

    /// One unlabelled series.
    public init(name: String, kind: MetricDefinition.Kind, help: String, value: Double) {
        self.init(name: name, kind: kind, help: help, samples: [Sample(value: value)])
    }

    /// `# HELP`, `# TYPE` and one line per sample, each with `constantLabels` after its own.
    public func render(constantLabels: [(String, String)]) -> String {
        var text = "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            let labels = (sample.labels + constantLabels).map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }
            text += name + (labels.isEmpty ? "" : "{" + labels.joined(separator: ",") + "}")
            text += " " + Self.format(sample.value) + "\n"
        }
        return text
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeLabel(_ text: String) -> String {
        escapeHelp(text).replacingOccurrences(of: "\"", with: "\\\"")
    }
}
