import Election
import SeededRandom
import Testing

/// Followers watch their leader with a long-held call: a broken watch (a killed leader's connections close) is
/// probed at once, so a crash is noticed in a round trip with heartbeats every 100 ms. Mock clock, then simulator.
@Suite("Watch of the leader (fast crash detection with slow heartbeats)")
struct LeaderWatchTests {
    let config = BullyConfiguration.watched
    let epoch = Epoch(term: 1, leader: 3)

    /// Node 1 of 1…3 following executor 3 (epoch 1.3) from time 0, and the directives of adopting it.
    func following() -> (BullyElection, [BullyDirective]) {
        var one = BullyElection(id: 1, peers: [1, 2, 3], configuration: config)
        let directives = one.onMessage(.coordinator(epoch), from: 3, now: 0)
        return (one, directives)
    }

    func watches(_ directives: [BullyDirective]) -> [(leader: Int, epoch: Epoch, number: UInt64, deadline: UInt64)] {
        directives.compactMap {
            guard case .watchLeader(let leader, let epoch, let number, _, let deadline) = $0 else { return nil }
            return (leader, epoch, number, deadline)
        }
    }

    func probes(_ directives: [BullyDirective]) -> [UInt64] {
        directives.compactMap {
            guard case .probeLeader(_, let number, _) = $0 else { return nil }
            return number
        }
    }

    func elects(_ directives: [BullyDirective]) -> Bool {
        directives.contains { if case .electionStarted = $0 { true } else { false } }
    }

    @Test func adoptingALeaderStartsOneWatchWithTheHoldAndADeadlineBeyondIt() throws {
        let (one, directives) = following()
        let watch = try #require(watches(directives).first)
        #expect(watches(directives).count == 1)
        #expect(watch.leader == 3 && watch.epoch == epoch)
        #expect(watch.deadline > config.watchHold && watch.deadline == config.watchDeadline)
        #expect(
            directives.contains(
                .watchLeader(3, epoch: epoch, watch: 1, hold: config.watchHold, deadline: watch.deadline)))
        #expect(one.role == .follower)
    }

    @Test func heartbeatsDoNotStartASecondWatchWhileOneIsUnderWay() {
        var (one, _) = following()
        let again = one.onMessage(.heartbeat(epoch), from: 3, now: 100 * ms)
        #expect(watches(again).isEmpty)
    }

    @Test func aBrokenWatchIsProbedAtOnceAndARefusalElectsLongBeforeTheDetectorFloor() throws {
        var (one, directives) = following()
        let watch = try #require(watches(directives).first)
        let brokeAt = 130 * ms
        let broken = one.onWatchEnded(.broken, watch: watch.number, now: brokeAt)
        let probe = try #require(probes(broken).first, "a broken watch is probed, not trusted alone")
        #expect(!elects(broken) && one.role == .follower)
        let refused = one.onProbeResult(.refused, probe: probe, now: brokeAt + 1 * ms)
        #expect(elects(refused) && one.role == .candidate)
        #expect(brokeAt + 1 * ms < config.leaderTimeout, "noticed before the detector would have suspected")
    }

    @Test func aBrokenWatchOfALeaderThatAnswersTheProbeCausesNoElection() throws {
        var (one, directives) = following()
        let watch = try #require(watches(directives).first)
        let broken = one.onWatchEnded(.broken, watch: watch.number, now: 50 * ms)
        let probe = try #require(probes(broken).first)
        let answered = one.onProbeResult(.answered(leading: epoch), probe: probe, now: 52 * ms)
        #expect(!elects(answered) && one.role == .follower && one.leader == 3)
        // The next heartbeat watches again.
        #expect(watches(one.onMessage(.heartbeat(epoch), from: 3, now: 100 * ms)).count == 1)
    }

    @Test func aHeldWatchAnsweredByTheLiveLeaderIsRenewedAtOnce() throws {
        var (one, directives) = following()
        let watch = try #require(watches(directives).first)
        let renewed = one.onWatchEnded(.answered(leading: epoch), watch: watch.number, now: config.watchHold)
        let next = try #require(watches(renewed).first)
        #expect(next.number == watch.number + 1 && !elects(renewed))
    }

    @Test func anEarlyAnswerWithoutAChangeWaitsForTheNextHeartbeatInsteadOfSpinning() {
        var (one, directives) = following()
        let number = watches(directives).first!.number
        #expect(watches(one.onWatchEnded(.answered(leading: epoch), watch: number, now: 5 * ms)).isEmpty)
        #expect(watches(one.onMessage(.heartbeat(epoch), from: 3, now: 100 * ms)).count == 1)
    }

    @Test func aFailedWatchIsInconclusiveAndTheDetectorStillDecides() {
        var (one, directives) = following()
        let number = watches(directives).first!.number
        let failed = one.onWatchEnded(.failed, watch: number, now: config.watchDeadline)
        #expect(failed.isEmpty && one.role == .follower)
    }

    @Test func aWatchAnsweredByALeaderThatDoesNotLeadIsProbedAndElectsWhenTheProbeAgrees() throws {
        var (one, directives) = following()
        let number = watches(directives).first!.number
        let ended = one.onWatchEnded(.answered(leading: nil), watch: number, now: 30 * ms)
        let probe = try #require(probes(ended).first)
        #expect(!elects(ended) && one.role == .follower)
        let answered = one.onProbeResult(.answered(leading: nil), probe: probe, now: 32 * ms)
        #expect(elects(answered) && one.role == .candidate)
    }

    @Test func aWatchAnsweredWithANewerEpochAdoptsItAndWatchesItsLeader() throws {
        var (one, directives) = following()
        let number = watches(directives).first!.number
        let newer = Epoch(term: 2, leader: 3)
        let adopted = one.onWatchEnded(.answered(leading: newer), watch: number, now: 30 * ms)
        #expect(one.current == newer && adopted.contains(.leaderChanged(newer)))
        #expect(try #require(watches(adopted).first).epoch == newer)
    }

    @Test func resultsOfAnAbandonedWatchAreIgnored() {
        var (one, directives) = following()
        let number = watches(directives).first!.number
        _ = one.onMessage(.election(known: epoch), from: 2, now: 10 * ms)  // a candidate: the watch is abandoned
        #expect(one.onWatchEnded(.broken, watch: number, now: 20 * ms).isEmpty)
        #expect(one.onWatchEnded(.broken, watch: number + 7, now: 20 * ms).isEmpty)
    }

    @Test func withoutAHoldNoWatchIsStarted() {
        var one = BullyElection(id: 1, peers: [1, 2, 3], configuration: .loopback)
        #expect(watches(one.onMessage(.coordinator(epoch), from: 3, now: 0)).isEmpty)
    }

    // MARK: Simulator

    /// Kill → every live node follows the new leader, with heartbeats every 100 ms and a 400 ms detector floor:
    /// the watches make the failover independent of both (issue 15: median ≤ 150 ms).
    @Test func crashFailoverWithSlowHeartbeatsIsFastThroughTheWatches() throws {
        var times: [UInt64] = []
        for seed in UInt64(1)...40 {
            let sim = Simulator(nodes: 3, seed: seed, configuration: config, delay: 1 * ms...5 * ms)
            sim.run(until: 3_000 * ms + (seed * 37 % 2_000) * ms)
            let crashedAt = sim.now
            sim.crash(3)
            sim.run(for: 2_000 * ms)
            let learned = try #require(sim.timeAllLiveNodesLearned(2, after: crashedAt), "seed \(seed)")
            times.append(learned - crashedAt)
            #expect(sim.checkSafety(), "seed \(seed)")
        }
        times.sort()
        let median = times[times.count / 2]
        #expect(median <= 150 * ms, "median failover \(median / ms) ms")
        #expect(times.last! < config.leaderTimeout, "worst failover \(times.last! / ms) ms: a watch was missing")
    }

    /// The same crash without watches waits for the detector's 400 ms floor: the watches are what is fast.
    @Test func withoutWatchesTheSameCrashWaitsForTheDetector() throws {
        var configuration = config
        configuration.watchHold = 0
        let sim = Simulator(nodes: 3, seed: 5, configuration: configuration, delay: 1 * ms...5 * ms)
        sim.run(until: 3_000 * ms)
        let crashedAt = sim.now
        sim.crash(3)
        sim.run(for: 3_000 * ms)
        let learned = try #require(sim.timeAllLiveNodesLearned(2, after: crashedAt))
        #expect(learned - crashedAt >= configuration.leaderTimeout - configuration.heartbeatInterval)
    }

    /// A paused leader (SIGSTOP) keeps its connections open: no watch breaks, probes time out, and a pause shorter
    /// than the detector's ceiling causes no election at all.
    @Test(arguments: UInt64(1)...10)
    func aPausedLeaderBreaksNoWatchAndAShortPauseElectsNobody(seed: UInt64) {
        let sim = Simulator(nodes: 3, seed: seed, configuration: config, delay: 1 * ms...5 * ms)
        sim.run(until: 2_000 * ms)
        let before = sim.electionStarts.count
        sim.pause(3, for: config.detector.maximumTimeout - 300 * ms)
        sim.run(for: 3_000 * ms)
        #expect(sim.electionStarts.count == before, "seed \(seed): \(sim.electionStarts.suffix(2))")
        #expect(sim.watchTally["broken", default: 0] == 0, "seed \(seed)")
        #expect(sim.currentLeaders == [3])
    }

    /// Quiet cluster: each follower keeps one watch, renewed once per hold, and no watch breaks or fails.
    @Test func aQuietClusterRenewsOneWatchPerFollowerPerHold() {
        let sim = Simulator(nodes: 3, seed: 9, configuration: config, delay: 1 * ms...5 * ms)
        sim.run(until: 20_000 * ms)
        let sent = sim.watchTally["sent", default: 0]
        // Two followers, 20 s, one watch per hold each (a few more around the start-up election).
        let expected = 2 * Int(20_000 * ms / config.watchHold)
        #expect(((expected - 2)...(expected + 6)).contains(sent), "\(sent) watches, about \(expected) expected")
        #expect(sim.watchTally["broken", default: 0] == 0 && sim.watchTally["failed", default: 0] == 0)
        #expect(sim.electionStarts.allSatisfy { $0.time < 1_000 * ms })
    }

    /// The VOPR run with watches: random crashes, restarts, pauses, partitions and loss keep safety and converge.
    @Test func randomFaultsWithWatchesKeepSafetyAndConverge() {
        var failures = 0
        for seed in UInt64(2_000)..<2_100 {
            if !SimulatorScenarioTests.runRandomFaults(seed: seed, configuration: config, settle: 4_000 * ms) {
                failures += 1
            }
            if failures >= 3 { break }
        }
        #expect(failures == 0)
    }
}
