import ClusterProtocol
import Election
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// The checks read events through their typed payloads: a protocol event whose `data` does not decode is not
/// trusted (skipped like an unknown kind), and a well-formed one is read whatever other checks read it first.
struct PayloadDecodingTests {
    private let order = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

    @Test func aSecondCommitWithAWrongTypedFieldIsNotTrustedAsADuplicate() {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.order(order, executor: "executor-2", epoch: "1.2", lease: 1)
        builder.record(
            "queue", .queueCommit, trace: order,
            ["order": .string(order), "executor": 2, "epoch": "1.2", "lease": "one", "outcome": "committed"])
        let exactlyOnce = CheckEngine.check(builder.events, health: []).result("exactly-once")!
        #expect(exactlyOnce.violations == 0)
        #expect(exactlyOnce.info["ok"] == 1)
    }

    @Test func aSecondWellFormedCommitIsADuplicate() {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.order(order, executor: "executor-2", epoch: "1.2", lease: 1)
        let commit = QueueCommit(
            QueueAck(order: order, executor: 2, epoch: Epoch(term: 1, leader: 2), lease: 1, outcome: "committed"))
        builder.record("queue", .queueCommit, trace: order, commit.encoded())
        let exactlyOnce = CheckEngine.check(builder.events, health: []).result("exactly-once")!
        #expect(exactlyOnce.violations > 0, "the same event with a lease id that decodes is a second commit")
    }
}
