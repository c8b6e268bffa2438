import TraceFormat

/// Check 11: every event of a kind the format defines carries a `data` object that decodes into its payload. A
/// malformed payload is reported once per event, as a warning (like a malformed line, §1.7: visible, not a
/// violation by itself): the other checks cannot trust such an event and skip it like an unknown kind, so what they
/// say about it is unverified.
final class PayloadCheck: RunCheck {
    init(options: CheckOptions) {
        super.init(
            number: 11, name: "payloads-decode", title: "every event of a known kind has a payload that decodes",
            options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        examined += 1
        guard let error = state.payloadError(event) else { return }
        info["malformed-event", default: 0] += 1
        var finding = builder(
            // The error names the kind: `queue.commit: data.lease is not an integer`.
            "malformed-event \(event.envelope.node)#\(event.envelope.sequence) \(error)",
            rule: "An event of a known kind must carry the payload docs/trace-format.md §4 gives it; the checks skip "
                + "an event whose data does not decode, so their verdict does not cover it.",
            severity: .warning)
        finding.name(event)
        finding.step("E1's data does not decode: \(error).")
        report(finding.finding)
    }
}
