import Causality
import ClusterProtocol
import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

/// The pairing rules of docs/trace-format.md §4.2–§4.3 at their edges: reused message ids, replies without a
/// request, lines lost to malformation, failed calls the server did receive; and the JSON report's shape.
@Suite struct MessageRuleTests {
    static func send(_ msg: String) -> RPCSend { RPCSend(msg: msg, peer: "queue", method: "lease") }
    static func receive(_ msg: String) -> RPCReceive { RPCReceive(msg: msg, peer: "executor-1", method: "lease") }

    @Test func twoSendsOfOneMessageIdAreReportedAndEachReceivePairsByClock() {
        var builder = ScenarioBuilder()
        let first = builder.record("executor-1", Self.send("executor-1-7-1"))
        let second = builder.record("executor-1", Self.send("executor-1-7-1"))
        builder.record("queue", Self.receive("executor-1-7-1"), merging: builder.events[first].clock)
        builder.record("queue", Self.receive("executor-1-7-1"), merging: builder.events[second].clock)
        let report = CheckEngine.check(builder.events, health: [])
        let result = report.result("receive-matches-send")!
        #expect(result.violations == 1, "\(report.text())")
        let text = ClockRuleTests.explained(report, "receive-matches-send")
        #expect(text.contains("executor-1 sent two messages with id executor-1-7-1 to queue"))
        #expect(text.contains("E1 = executor-1#1") && text.contains("E2 = executor-1#2"))
        #expect(text.contains("in the same process (pid"))
        #expect(text.contains("the pair is ambiguous"))
        // Paired by clock, not re-paired silently: neither receive is reported as unmerged or received twice.
        #expect(!text.contains("without merging") && !text.contains("received twice"))
        #expect(report.exitStatus == 1)
    }

    @Test func aMessageIdReusedAfterItsFirstMessageWasReceivedIsReported() {
        var builder = ScenarioBuilder()
        builder.record("executor-1", LogRecord(level: "info", message: "listening", logger: nil, attributes: nil))
        builder.call("executor-1", "queue", "lease")
        builder.messageCounters["executor-1"] = 0
        builder.call("executor-1", "queue", "lease")
        let report = CheckEngine.check(builder.events, health: [])
        let result = report.result("receive-matches-send")!
        #expect(result.violations == 1, "\(report.text())")
        let text = ClockRuleTests.explained(report, "receive-matches-send")
        #expect(text.contains("sent two messages with id executor-1-"))
        #expect(text.contains("was already received when E1 reused its id"))
    }

    @Test func distinctMessageIdsPairCleanly() {
        var builder = ScenarioBuilder()
        builder.call("executor-1", "queue", "lease")
        builder.call("executor-1", "queue", "lease")
        builder.call("executor-2", "queue", "lease")
        let report = CheckEngine.check(builder.events, health: [])
        #expect(report.violationCount == 0 && report.warningCount == 0, "\(report.text())")
    }

    static func reply(_ msg: String) -> RPCReplySend {
        RPCReplySend(
            msg: msg, peer: "orchestrator", method: "enqueue", status: "ok", httpStatus: 200, durationNanos: 1000)
    }

    @Test func aServerReplyToARequestItNeverReceivedIsAViolationInACompleteTrace() {
        var builder = ScenarioBuilder()
        builder.call("orchestrator", "queue", "enqueue")
        builder.record("queue", Self.reply("orchestrator-5-77"))
        let report = CheckEngine.check(builder.events, health: [])
        let result = report.result("requests-end")!
        #expect(result.violations == 1, "\(report.text())")
        let text = ClockRuleTests.explained(report, "requests-end")
        #expect(text.contains("queue replied to a request it never received"))
        #expect(text.contains("E1 = queue#3 reply enqueue ok msg orchestrator-5-77"))
        #expect(text.contains("it lost no lines (no damage, no malformed line)"))
        #expect(report.exitStatus == 1)
        // The same reply in a trace with a malformed line: the receive may be that line, so only a warning.
        var health = FileHealth(node: "queue", path: "queue.jsonl.gz")
        health.malformedCount = 1
        let lenient = CheckEngine.check(builder.events, health: [health])
        #expect(lenient.result("requests-end")!.violations == 0)
        #expect(lenient.result("requests-end")!.warnings == 1)
    }

    @Test func aRepliedRequestIsNotReported() {
        var builder = ScenarioBuilder()
        builder.call("orchestrator", "queue", "enqueue")
        builder.call("orchestrator", "queue", "enqueue")
        let report = CheckEngine.check(builder.events, health: [])
        #expect(report.result("requests-end")!.violations == 0 && report.result("requests-end")!.warnings == 0)
    }

    /// Real files: executor-1's reply-receive line lost its `vc`, so the reader reports it as malformed. The call it
    /// ended cannot be verified: a warning, not a `requests-end` violation, and the run still passes.
    @Test func aMalformedReplyLineIsDamageNotARequestsEndViolation() throws {
        let directory = RunFiles.temporaryDirectory("malformed-reply")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let events = ScenarioBuilder.cleanFailover().events
        let target = events.lastIndex { $0.node == "executor-1" && $0.kind == .rpcReplyReceive }!
        for node in Set(events.map(\.node)) {
            var bytes: [UInt8] = []
            for (index, event) in events.enumerated() where event.node == node {
                var line: [UInt8] = []
                TraceEventEncoder.appendLine(event, to: &line)
                if index == target {
                    let text = String(decoding: line, as: UTF8.self)
                    let withoutClock = text.replacingOccurrences(
                        of: #","vc":\{[^}]*\}"#, with: "", options: .regularExpression)
                    #expect(withoutClock != text)
                    line = Array(withoutClock.utf8)
                }
                bytes += line
            }
            // executor-2 was killed in this scenario: its file stays open.
            try RunFiles.write(lines: bytes, to: directory + "/\(node).jsonl.gz", finish: node != "executor-2")
        }
        let report = try RunAnalysis.check(directory: directory, progress: ProgressReporter(enabled: false))
        #expect(report.files.first { $0.node == "executor-1" }!.malformedCount == 1)
        let result = report.result("requests-end")!
        #expect(result.violations == 0, "\(report.text())")
        #expect(result.warnings == 1)
        #expect(ClockRuleTests.explained(report, "requests-end").contains("malformed lines"))
        #expect(report.violationCount == 0, "\(report.text())")
        #expect(report.exitStatus == 0)
    }

    /// §4.2: `rpc.failure` is the client's view; the request may have arrived. The server received it and stopped
    /// cleanly (its trace closed): the receive pairs with the send, and nothing is reported.
    @Test func aFailedUnavailableCallWhoseRequestTheServerReceivedIsNotAViolation() {
        var builder = ScenarioBuilder()
        builder.call("executor-1", "queue", "lease")
        let send = builder.record("executor-1", Self.send("executor-1-1011-9"))
        builder.record(
            "queue", Self.receive("executor-1-1011-9"), merging: builder.events[send].clock)
        builder.record("queue", NodeStopping(signal: 15))
        builder.record(
            "executor-1",
            RPCFailure(
                msg: "executor-1-1011-9", peer: "queue", method: "lease", status: "unavailable",
                error: "Recv failure: Connection reset by peer", durationNanos: 5_000))
        let report = CheckEngine.check(builder.events, health: [])
        #expect(report.result("receive-matches-send")!.violations == 0, "\(report.text())")
        #expect(report.result("receive-matches-send")!.warnings == 0)
        #expect(report.result("no-causal-cycle")!.violations == 0)
        // The queue's reply came after its trace closed (§1.6): the open request is a warning, not a violation.
        #expect(report.result("requests-end")!.violations == 0)
        #expect(report.violationCount == 0, "\(report.text())")
    }

    @Test func theJSONReportWritesClocksAsObjectsAndCountsOmittedFindings() throws {
        var builder = ScenarioBuilder()
        for index in 1...5 { builder.record("queue", Self.reply("orchestrator-5-\(index)")) }
        let report = CheckEngine.check(
            builder.events, health: [], options: CheckOptions(keptFindings: 2))
        let result = report.result("requests-end")!
        #expect(result.violations == 5)
        #expect(result.findings.count == 2)
        #expect(result.omitted == 3)
        let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
        let checks = (json["report"] as! [String: Any])["checks"] as! [[String: Any]]
        let completion = checks.first { $0["name"] as? String == "requests-end" }!
        #expect(completion["omitted"] as? Int == 3)
        let findings = completion["findings"] as! [[String: Any]]
        let event = (findings[0]["events"] as! [[String: Any]])[0]
        let clock = event["clock"] as? [String: Any]
        #expect(clock?["queue"] as? Int == 1, "clock is a JSON object, not a string: \(String(describing: event))")
        #expect(report.text().contains("… 3 more findings not shown"))
        // With no bound every finding is kept.
        let all = CheckEngine.check(builder.events, health: [], options: CheckOptions(keptFindings: .max))
        #expect(all.result("requests-end")!.findings.count == 5 && all.result("requests-end")!.omitted == 0)
    }
}
