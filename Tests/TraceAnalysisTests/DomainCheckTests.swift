import Causality
import ClusterProtocol
import Election
import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceTestSupport

private let orderA = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
private let orderB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

extension ScenarioBuilder {
    /// `node` starts again: a new pid, `seq` from 1, its own entry above the old process's reservation (§1.5).
    mutating func restartProcess(_ node: String) {
        pids[node] = (pids[node] ?? 0) + 7_001
        sequences[node] = 0
        var entries = clocks[node]?.entries ?? [:]
        entries[node, default: 0] += 100_000
        clocks[node] = VectorClock(entries)
    }

    /// The queue revokes `lease` of `executor` (epoch `epoch`) for the newer epoch `by`.
    mutating func revoke(_ order: String, executor: String, epoch: String, lease: UInt64, by: String) {
        record(
            "queue",
            QueueLeaseRevoked(
                LeaseEnd(
                    order: order, executor: Self.executorID(executor), epoch: Self.epoch(epoch), lease: lease),
                by: Self.epoch(by)))
    }

    /// `executor` acks `lease` and the queue answers `outcome` (`committed` records a `queue.commit`, anything else
    /// a `queue.ack.refused`); the executor records the answer.
    mutating func ack(_ order: String, executor: String, epoch: String, lease: UInt64, outcome: String) {
        let ack = QueueAck(
            order: order, executor: Self.executorID(executor), epoch: Self.epoch(epoch), lease: lease, outcome: outcome)
        call(executor, "queue", "ack", trace: order) { builder in
            if outcome == QueueAck.committed {
                builder.record("queue", QueueCommit(ack), trace: order)
            } else {
                builder.record("queue", QueueAckRefused(ack), trace: order)
            }
        }
        record(executor, ExecutorCommit(order: order, epoch: Self.epoch(epoch), lease: lease, outcome: outcome))
    }
}

/// The protocol (domain) checks at the edges the independent corpus of issue 11 found: fenced commits, re-claimed
/// epochs, killed executors at the end, and one overlap reported once.
@Suite struct DomainCheckTests {
    /// executor-2 leases order A (lease 1, epoch 1.2); executor-1 takes over (2.1) and the queue revokes lease 1.
    /// executor-2's late ack is then committed (`committedLate`) or refused while executor-1 executes the order.
    static func fencedAck(committedLate: Bool, executorTraceCut: Bool = false) -> CheckReport {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.approve(orderA)
        builder.lease(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        builder.record(
            "executor-2",
            ExecutorDequeue(
                order: orderA, epoch: ScenarioBuilder.epoch("1.2"), lease: 1, delivery: 1,
                slot: nil))
        builder.elect("executor-1", epoch: "2.1", follower: "executor-2")
        builder.revoke(orderA, executor: "executor-2", epoch: "1.2", lease: 1, by: "2.1")
        if committedLate {
            builder.ack(orderA, executor: "executor-2", epoch: "1.2", lease: 1, outcome: QueueAck.committed)
        } else {
            builder.ack(orderA, executor: "executor-2", epoch: "1.2", lease: 1, outcome: "no_lease")
            builder.execute(orderA, executor: "executor-1", epoch: "2.1", lease: 2, delivery: 2)
        }
        var health: [FileHealth] = []
        if executorTraceCut {
            builder.events.removeAll { $0.node == "executor-2" && $0.kind == .executorCommit }
            var cut = FileHealth(node: "executor-2", path: "executor-2.jsonl.gz")
            cut.truncated = true
            health.append(cut)
        }
        return CheckEngine.check(builder.events, health: health)
    }

    @Test(arguments: [false, true])
    func aCommitUnderARevokedLeaseIsAViolationNamingTheRevocation(executorTraceCut: Bool) {
        let report = Self.fencedAck(committedLate: true, executorTraceCut: executorTraceCut)
        let mutual = report.result("mutual-exclusion")!
        #expect(mutual.violations == 1, "\(report.text())")
        let text = Scenario.text(report, "mutual-exclusion")
        #expect(text.contains("the queue committed lease 1 after it had revoked it"), "\(text)")
        #expect(text.contains("queue.lease.revoked") || text.contains("revoke"), "\(text)")
        #expect(report.exitStatus == 1)
        // Not excused as a kill: the queue broke fencing, whatever the executor's trace holds.
        #expect(!report.text().contains("process ended between the queue's commit"), "\(report.text())")
    }

    @Test func aLateAckTheQueueRefusesIsNoViolation() {
        let report = Self.fencedAck(committedLate: false)
        #expect(report.violationCount == 0, "\(report.text())")
        #expect(report.result("exactly-once")!.info["ok"] == 1)
    }

    /// executor-2 claims 1.2, is restarted (new pid), and claims `epoch` after the restart.
    static func restartedClaim(_ epoch: String) -> CheckReport {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.restartProcess("executor-2")
        builder.elect("executor-2", epoch: epoch, follower: "executor-1", reason: "start")
        return CheckEngine.check(builder.events, health: [])
    }

    @Test func aRestartedExecutorReclaimingItsEarlierEpochIsAViolation() {
        let report = Self.restartedClaim("1.2")
        let election = report.result("election-safety")!
        #expect(election.violations == 1, "\(report.text())")
        let text = Scenario.text(report, "election-safety")
        #expect(text.contains("executor-2 claimed epoch 1.2 again after a restart"), "\(text)")
        #expect(text.contains("pid"), "\(text)")
    }

    @Test func aRestartedExecutorClaimingANewerEpochIsNoViolation() {
        let report = Self.restartedClaim("2.2")
        #expect(report.result("election-safety")!.violations == 0, "\(report.text())")
    }

    /// Three executors; executor-3 leads (1.3), is killed, and the run stops (cleanly for the others) `after` ns
    /// later; executor-2 took over before the stop when `tookOver`.
    static func stopSoonAfterALeaderKill(supervisorSawIt: Bool, cleanStop: Bool) -> CheckReport {
        var builder = ScenarioBuilder()
        builder.elect("executor-3", epoch: "1.3", follower: "executor-1")
        builder.call("executor-3", "executor-2", "bully") { builder in
            builder.record(
                "executor-2",
                ElectionLeader(leader: 3, epoch: ScenarioBuilder.epoch("1.3"), isSelf: false))
        }
        // Killed: nothing more from executor-3. The supervisor notices within a few milliseconds.
        if supervisorSawIt {
            builder.record(
                "supervisor", ServiceRestarted(service: "executor-3", status: 9, restarts: 1, backoffMs: 200))
        }
        builder.step = 50_000_000  // executor-2 takes over, and the run stops, well within a second of the kill
        builder.record("executor-2", HeartbeatTimeout(leader: 3, silentMs: 200, reason: "leader 3 silent for 200 ms"))
        builder.elect("executor-2", epoch: "2.2", follower: "executor-1", reason: "leader 3 silent for 200 ms")
        if cleanStop {
            for node in ["executor-1", "executor-2"] { builder.record(node, NodeStopping(signal: 15)) }
        }
        var killed = FileHealth(node: "executor-3", path: "executor-3.jsonl.gz")
        killed.truncated = true
        return CheckEngine.check(builder.events, health: [killed])
    }

    @Test(arguments: [(true, false), (false, true), (true, true)])
    func aKilledLeaderIsNotCountedLiveAtTheEnd(supervisorSawIt: Bool, cleanStop: Bool) {
        let report = Self.stopSoonAfterALeaderKill(supervisorSawIt: supervisorSawIt, cleanStop: cleanStop)
        let election = report.result("election-safety")!
        #expect(!Scenario.text(report, "election-safety").contains("follow executor-3"), "\(report.text())")
        #expect(election.info["executors dead at the end"] == 1, "\(election.info)")
    }

    @Test func withoutEvidenceOfTheKillTheLeaderStillCountsAsLive() {
        // Nothing says executor-3 died (no supervisor record, no clean stop of the others): its recent events
        // keep it live, so the others following executor-2 is reported (as not settled yet), as before.
        let report = Self.stopSoonAfterALeaderKill(supervisorSawIt: false, cleanStop: false)
        let election = report.result("election-safety")!
        #expect(election.info["executors dead at the end"] == nil, "\(report.text())")
        #expect(Scenario.text(report, "election-safety").contains("do not all follow executor-3"))
    }

    /// A lease granted to executor-1 (epoch 1.1, stale) while executor-2 (1.2) holds leases, never ended; executor-2
    /// keeps leasing and committing `later` more orders.
    static func plantedOverlap(later: Int) -> CheckReport {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        builder.approve(orderA)
        builder.lease(orderA, executor: "executor-2", epoch: "1.2", lease: 1)
        builder.record(
            "queue",
            QueueLease(
                order: orderB, executor: 1, epoch: ScenarioBuilder.epoch("1.1"), lease: 2, delivery: 1, slot: nil,
                expiresInMs: 2000, renewed: false, depth: 0))
        for index in 0..<later {
            let order = String(format: "%032x", 0xc0ff_ee00 + index)
            builder.order(order, executor: "executor-2", epoch: "1.2", lease: Int64(3 + index))
        }
        return CheckEngine.check(builder.events, health: [])
    }

    @Test func onePlantedOverlappingLeaseIsReportedOnceWithItsConsequences() {
        let report = Self.plantedOverlap(later: 9)
        let mutual = report.result("mutual-exclusion")!
        #expect(mutual.violations == 1, "\(report.text())")
        let text = Scenario.text(report, "mutual-exclusion")
        #expect(text.contains("lease 2 granted while lease 1 was still active"), "\(text)")
        #expect(text.contains("And 9 later leases (3, 4, 5, 6, 7, …) overlap as a consequence"), "\(text)")
        #expect(mutual.info["overlaps caused by an earlier overlap"] == 9)
    }

    @Test func anOverlapWithoutLaterLeasesHasNoConsequenceLine() {
        let report = Self.plantedOverlap(later: 0)
        #expect(report.result("mutual-exclusion")!.violations == 1)
        #expect(!Scenario.text(report, "mutual-exclusion").contains("as a consequence"))
    }
}

/// A queue trace that lost part of its events (cut by a kill, or damaged in the middle, where the reader resumes
/// at the next gzip member): the executors' clean traces record the commits, so the orders are not "lost". The runs
/// are real files: the queue's trace is written as three gzip members (before, during and after the orders that
/// are lost), and the middle one is cut or damaged on disk.
@Suite struct DamagedQueueTraceTests {
    static let orders = (1...5).map { String(format: "%032x", 0xd00d_0000 + $0) }

    enum Damage { case cut, corrupt }

    /// Orders 1–4 executed by executor-2; the queue's events of orders `hole` go into the middle member, which is
    /// `damage`d (a cut ends the file there). Order 5, when `leaveOneWaiting`, is approved and stored after the hole
    /// and never executed.
    static func run(hole: ClosedRange<Int>, damage: Damage, leaveOneWaiting: Bool = false) throws -> CheckReport {
        var builder = ScenarioBuilder()
        builder.elect("executor-2", epoch: "1.2", follower: "executor-1")
        var part = [Int](repeating: 0, count: 0)
        func mark(_ member: Int, from start: Int) {
            part += Array(repeating: member, count: builder.events.count - start)
        }
        mark(0, from: 0)
        for (index, order) in orders.prefix(4).enumerated() {
            let start = builder.events.count
            builder.order(order, executor: "executor-2", epoch: "1.2", lease: Int64(index + 1))
            mark(hole.contains(index + 1) ? 1 : (index + 1 < hole.lowerBound ? 0 : 2), from: start)
        }
        let start = builder.events.count
        if leaveOneWaiting { builder.approve(orders[4]) }
        mark(2, from: start)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var others = builder
        others.events = builder.events.filter { $0.node != "queue" }
        try others.write(to: directory)
        let path = TraceSegments.path(node: "queue", segment: 0, directory: directory)
        var ends: [Int] = []
        for member in 0..<3 {
            let writer = try TraceFileWriter(path: path)
            for (index, event) in builder.events.enumerated() where event.node == "queue" && part[index] == member {
                writer.append(event)
            }
            writer.close()
            ends.append(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int)
        }
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        switch damage {
        case .cut:
            try handle.truncate(atOffset: UInt64(ends[0] + 15))
        case .corrupt:
            try handle.seek(toOffset: UInt64(ends[0] + 12))
            handle.write(Data(repeating: 0xff, count: 24))
        }
        try handle.close()
        return try RunAnalysis.check(directory: directory)
    }

    @Test func ordersCommittedInTheTailAKillCutAreCommittedNotLost() throws {
        let report = try Self.run(hole: 3...4, damage: .cut)
        let exactlyOnce = report.result("exactly-once")!
        #expect(exactlyOnce.violations == 0, "\(report.text())")
        #expect(exactlyOnce.info["lost"] == 0)
        #expect(exactlyOnce.info["committed, the queue's trace lost the commit"] == 2, "\(exactlyOnce.info)")
        #expect(exactlyOnce.warnings == 1, "one finding for both orders")
        #expect(report.ledger.committed.count == 4)
    }

    @Test func ordersInADamagedMiddleOfTheQueueTraceAreUnverifiableWithTheEvidence() throws {
        let report = try Self.run(hole: 2...3, damage: .corrupt)
        let exactlyOnce = report.result("exactly-once")!
        #expect(report.files.first { $0.node == "queue" }!.corrupt, "the reader found the damage")
        #expect(exactlyOnce.violations == 0, "\(report.text())")
        #expect(exactlyOnce.info["lost"] == 0)
        #expect(exactlyOnce.info["unverifiable"] == 2, "\(exactlyOnce.info)")
        let text = Scenario.text(report, "exactly-once")
        #expect(text.contains("2 orders unverifiable"), "\(text)")
        #expect(text.contains("queue.jsonl.gz: corrupt near compressed byte"), "which file, and where: \(text)")
        #expect(text.contains("has nothing between"), "\(text)")
    }

    @Test func damageDoesNotExcuseAnOrderTheQueueNeverCommitted() throws {
        // The twin: the same damaged file, and an order stored after the hole that nobody executed: lost.
        let report = try Self.run(hole: 2...3, damage: .corrupt, leaveOneWaiting: true)
        let exactlyOnce = report.result("exactly-once")!
        #expect(exactlyOnce.info["lost"] == 1, "\(report.text())")
        #expect(exactlyOnce.info["unverifiable"] == 2)
        #expect(exactlyOnce.violations == 1)
    }
}

/// A traced load (node `load-2`, its own file) and an untraced load in the same run. The untraced one sends no
/// trace metadata, so the orchestrator treats it as an outside client: the run checks clean. Its twin is what an
/// untraced load that still sent clocks under the shared id `load` did: entries no trace explains.
@Suite struct MixedLoadRunTests {
    static func run(untracedSendsClocks: Bool) -> CheckReport {
        var builder = ScenarioBuilder()
        for index in 0..<3 {
            // The traced load's checkout: a traced message from load-2.
            builder.call("load-2", "orchestrator", "POST /checkout", trace: String(format: "%032x", index + 1))
            // The untraced load's checkout.
            if untracedSendsClocks {
                let clock = VectorClock(["load": UInt64(10 * (index + 1))])
                builder.record(
                    "orchestrator", RPCReceive(msg: "load-4242-\(index + 1)", peer: "load", method: "POST /checkout"),
                    merging: clock)
            } else {
                builder.record("orchestrator", RPCReceive(msg: nil, peer: nil, method: "POST /checkout"))
            }
            builder.record(
                "orchestrator",
                RPCReplySend(
                    msg: untracedSendsClocks ? "load-4242-\(index + 1)" : nil, peer: untracedSendsClocks ? "load" : nil,
                    method: "POST /checkout", status: "ok", httpStatus: 200, durationNanos: 1_000))
        }
        // A traced `load` process of an earlier load also wrote a file in this run.
        builder.call("load", "orchestrator", "POST /checkout", trace: String(format: "%032x", 99))
        return CheckEngine.check(builder.events, health: [])
    }

    @Test func anUntracedLoadThatSendsNoMetadataLeavesTheRunClean() {
        let report = Self.run(untracedSendsClocks: false)
        #expect(report.violationCount == 0, "\(report.text())")
    }

    @Test func anUntracedLoadSendingClocksUnderTheSharedIDBreaksTheRun() {
        let report = Self.run(untracedSendsClocks: true)
        #expect(report.violationCount > 0, "\(report.text())")
    }
}
