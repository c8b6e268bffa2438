import TraceFormat

/// Check 10: wall-clock sanity: a receive stamped earlier than its send by more than a tolerance.
final class WallClockCheck: RunCheck {
    init(options: CheckOptions) {
        super.init(
            number: 10, name: "wall-clock-sanity", title: "receives are not stamped before their sends",
            options: options)
    }

    func pair(send: RunEvent, receive: RunEvent) {
        examined += 1
        let skew = send.envelope.wallTimeNanos - receive.envelope.wallTimeNanos
        guard skew > options.clockSkewToleranceNanos else { return }
        var finding = builder(
            "\(receive.envelope.node)'s clock is \(TextLayout.duration(skew)) behind \(send.envelope.node)'s",
            rule: "wall clocks agree within \(TextLayout.duration(options.clockSkewToleranceNanos)) "
                + "(a warning: causality uses vector clocks, not ts)",
            severity: .warning)
        let first = finding.name(send)
        let second = finding.name(receive)
        finding.step("\(first) → \(second) because \(second) receives the message \(first) sent.")
        finding.step(
            "However ts(\(second)) is \(TextLayout.duration(skew)) earlier than ts(\(first)) "
                + "(tolerance \(TextLayout.duration(options.clockSkewToleranceNanos))).")
        report(finding.finding)
    }
}
