import ClusterProtocol
import Election
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// The checks read events through their typed payloads: a protocol event whose `data` does not decode is not
/// trusted by the protocol checks (skipped like an unknown kind), but it is not silent either: `payloads-decode`
/// reports it once, naming the event and the decoder's error. A well-formed event is read whatever other checks
/// read it first.
struct PayloadDecodingTests {
    private let order = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

    /// A clean failover with one more `queue.commit` of the same order whose `lease` is a string.
    private func runWithAMistypedSecondCommit() -> CheckReport {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.order(order, executor: "executor-2", epoch: "1.2", lease: 1)
        builder.rawEvent(
            "queue", kind: .queueCommit, trace: order,
            data: ["order": .string(order), "executor": 2, "epoch": "1.2", "lease": "one", "outcome": "committed"])
        return CheckEngine.check(builder.events, health: [])
    }

    @Test func aSecondCommitWithAWrongTypedFieldIsNotTrustedAsADuplicate() {
        let exactlyOnce = runWithAMistypedSecondCommit().result("exactly-once")!
        #expect(exactlyOnce.violations == 0)
        #expect(exactlyOnce.info["ok"] == 1)
    }

    @Test func aMistypedPayloadIsReportedOnceAsAMalformedEventWarningNamingTheEventAndTheError() {
        let report = runWithAMistypedSecondCommit()
        let payloads = report.result("payloads-decode")!
        #expect(payloads.violations == 0)
        #expect(payloads.warnings == 1)
        #expect(payloads.info["malformed-event"] == 1)
        let finding = payloads.findings.first!
        #expect(finding.severity == .warning)
        #expect(finding.title.hasPrefix("malformed-event queue#"))
        #expect(finding.title.contains("queue.commit"))
        #expect(finding.title.contains("data.lease is not"))
        #expect(finding.events.map(\.node) == ["queue"])
        #expect(report.exitStatus == 0, "a malformed payload is a warning, like a malformed line")
        #expect(report.text().contains("warning [payloads-decode] malformed-event queue#"))
    }

    @Test func anOutOfRangeFieldIsAMalformedEvent() {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.rawEvent("executor-1", kind: .electionLeader, data: ["leader": 5000, "epoch": "1.2", "self": false])
        let payloads = CheckEngine.check(builder.events, health: []).result("payloads-decode")!
        #expect(payloads.warnings == 1)
        #expect(payloads.findings.first?.title.contains("data.leader is out of range") == true)
    }

    @Test func unknownKindsAndUnknownFieldsAreNotMalformed() {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.rawEvent("executor-1", kind: EventKind("future.kind"), data: ["anything": "goes", "n": 1])
        var leader = ElectionLeader(leader: 2, epoch: Epoch(term: 1, leader: 2), isSelf: false).encoded()
        leader["added_in_v9"] = .array([1, 2])
        builder.rawEvent("executor-1", kind: .electionLeader, data: leader)
        let report = CheckEngine.check(builder.events, health: [])
        #expect(report.result("payloads-decode")!.warnings == 0, "\(report.text())")
    }

    @Test func aCleanRunHasNoMalformedEvent() {
        let (events, health) = ScenarioBuilder.cleanFailover()
        let payloads = CheckEngine.check(events, health: health).result("payloads-decode")!
        #expect(payloads.examined == events.count)
        #expect(payloads.warnings == 0 && payloads.violations == 0)
    }

    @Test func aSecondWellFormedCommitIsADuplicate() {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.order(order, executor: "executor-2", epoch: "1.2", lease: 1)
        let commit = QueueCommit(
            QueueAck(order: order, executor: 2, epoch: Epoch(term: 1, leader: 2), lease: 1, outcome: "committed"))
        builder.record("queue", commit, trace: order)
        let exactlyOnce = CheckEngine.check(builder.events, health: []).result("exactly-once")!
        #expect(exactlyOnce.violations > 0, "the same event with a lease id that decodes is a second commit")
    }
}
