import Causality
import TraceFormat

/// Check 5: no causal cycle: no message goes backwards in happened-before.
final class CycleCheck: RunCheck {
    init(options: CheckOptions) {
        super.init(number: 5, name: "no-causal-cycle", title: "happened-before has no cycle", options: options)
    }

    override func observe(_ event: RunEvent, _ state: RunState) {
        if mergesClock(event) { examined += 1 }
    }

    /// A matched message whose receive clock is not above the send clock.
    func cycle(send: RunEvent, receive: RunEvent) {
        var finding = builder(
            "message \(MessageKey.messageID(send)) closes a causal cycle",
            rule: "happened-before is acyclic: a message cannot be received before it is sent")
        let first = finding.name(send)
        let second = finding.name(receive)
        finding.step("\(first) → \(second) because \(second) receives the message \(first) sent.")
        if receive.clock == send.clock {
            finding.step("However vc(\(second)) = vc(\(first)): two different events with one clock.")
        } else {
            finding.step("However vc(\(second)) < vc(\(first)), so \(second) → \(first).")
        }
        finding.step("So \(first) → \(second) → \(first): a cycle.")
        report(finding.finding)
    }

    /// A send met only after its receive in the causal merge order.
    func sendAfterReceive(send: RunEvent, receive: RunEvent) {
        var finding = builder(
            "message \(MessageKey.messageID(send)) was received before it was sent",
            rule: "happened-before is acyclic: a message cannot be received before it is sent")
        let first = finding.name(send)
        let second = finding.name(receive)
        finding.step("\(first) → \(second) because \(second) receives the message \(first) sent.")
        switch receive.compare(send) {
        case .before:
            finding.step("However vc(\(second)) < vc(\(first)), so \(second) → \(first).")
            finding.step("So \(first) → \(second) → \(first): a cycle.")
        default:
            finding.step(
                "However vc(\(second)) does not include vc(\(first)) (clock sum \(receive.clockSum) < "
                    + "\(send.clockSum)): \(second) cannot have merged the message's clock.")
            finding.step("So \(second) claims an effect of \(first) without being after it.")
        }
        report(finding.finding)
    }
}
