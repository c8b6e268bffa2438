import Election
import SeededRandom
import Testing

/// The fixed seeds every scenario runs with; a failure message names its seed.
let scenarioSeeds: [UInt64] = Array(1...20)

/// Failure detection on a 1–5 ms network with the default configuration: heartbeats every 50 ms, failure after
/// 200 ms, then a 60 ms election timeout.
let failoverBound: UInt64 = 600 * ms

extension Simulator {
    /// Runs until only `leader` leads and every live node follows the epoch it leads, or `within` passes.
    @discardableResult
    func runUntilAllFollow(_ leader: Int, within: UInt64) -> Bool {
        run(until: now + within) {
            let epoch = election(leader).current
            return currentLeaders == [leader] && liveIDs.allSatisfy { election($0).current == epoch }
        }
    }

    /// The time by which every live node had a `leaderChanged` to an epoch led by `leader` after `since`.
    func timeAllLiveNodesLearned(_ leader: Int, after since: UInt64) -> UInt64? {
        var latest = since
        for id in liveIDs {
            guard
                let change = leaderChanges.first(where: {
                    $0.node == id && $0.time >= since && $0.epoch.leader == leader
                })
            else { return nil }
            latest = max(latest, change.time)
        }
        return latest
    }
}

@Suite("Bully election in the simulator")
struct SimulatorScenarioTests {
    @Test(arguments: [3, 5], scenarioSeeds)
    func highestIdIsElectedAtStartWithinOneSecond(nodes: Int, seed: UInt64) throws {
        let sim = Simulator(nodes: nodes, seed: seed)
        let elected = sim.runUntilAllFollow(nodes, within: 1_000 * ms)
        #expect(elected, "seed \(seed): no agreement on \(nodes) within 1 s")
        #expect(sim.election(nodes).current == Epoch(term: 1, leader: nodes), "seed \(seed)")
        #expect(sim.now < 1_000 * ms, "seed \(seed)")
        sim.settleAndCheck()
    }

    @Test(arguments: scenarioSeeds)
    func leaderCrashHandsOverToHighestLiveIdWithAHigherEpoch(seed: UInt64) throws {
        let sim = Simulator(nodes: 5, seed: seed, delay: 1 * ms...5 * ms)
        // Crash at a seed-dependent phase of the heartbeat cycle.
        sim.run(until: 1_000 * ms + (seed * 7 % 50) * ms)
        let oldEpoch = try #require(sim.election(5).current)
        let crashedAt = sim.now
        sim.crash(5)
        let tookOver = sim.runUntilAllFollow(4, within: 2_000 * ms)
        #expect(tookOver, "seed \(seed): node 4 did not take over")
        let newEpoch = try #require(sim.election(4).current)
        #expect(newEpoch > oldEpoch, "seed \(seed): \(newEpoch) not above \(oldEpoch)")
        let learned = try #require(sim.timeAllLiveNodesLearned(4, after: crashedAt), "seed \(seed)")
        #expect(learned - crashedAt < failoverBound, "seed \(seed): failover took \((learned - crashedAt) / ms) ms")
        sim.settleAndCheck()
    }

    /// Failover time, from the crash to the moment every live node has learned the new leader, over many seeds.
    @Test func failoverTimeStaysBelowBoundAcrossSeeds() throws {
        var times: [UInt64] = []
        for seed in UInt64(1)...50 {
            let sim = Simulator(nodes: 5, seed: seed, delay: 1 * ms...5 * ms)
            sim.run(until: 1_000 * ms + (seed * 3 % 50) * ms)
            let crashedAt = sim.now
            sim.crash(5)
            sim.run(for: 1_000 * ms)
            let learned = try #require(sim.timeAllLiveNodesLearned(4, after: crashedAt), "seed \(seed)")
            times.append(learned - crashedAt)
        }
        times.sort()
        let median = times[times.count / 2]
        let worst = times[times.count - 1]
        // The floor: followers notice after leaderTimeout minus one heartbeat interval, plus the election timeout.
        let config = BullyConfiguration.loopback
        let floor = config.leaderTimeout - config.heartbeatInterval + config.electionTimeout
        #expect(times[0] >= floor, "fastest failover \(times[0] / ms) ms is faster than possible")
        #expect(worst < failoverBound, "worst failover \(worst / ms) ms, median \(median / ms) ms")
        // The aim of issue 15: a median failover of at most 150 ms on a quiet network (the adaptive detector sits at
        // its 80 ms floor with regular heartbeats).
        #expect(median <= 150 * ms, "median failover \(median / ms) ms")
    }

    @Test(arguments: scenarioSeeds)
    func restartedHigherIdBulliesTheCurrentLeader(seed: UInt64) throws {
        let sim = Simulator(nodes: 5, seed: seed)
        sim.run(until: 500 * ms)
        sim.crash(5)
        #expect(sim.runUntilAllFollow(4, within: 1_000 * ms), "seed \(seed): node 4 did not take over")
        let interimEpoch = try #require(sim.election(4).current)
        sim.run(for: 300 * ms)
        sim.restart(5)
        #expect(sim.runUntilAllFollow(5, within: 500 * ms), "seed \(seed): restarted node 5 did not take over")
        let finalEpoch = try #require(sim.election(5).current)
        #expect(finalEpoch > interimEpoch, "seed \(seed)")
        let stepDown = sim.stepDowns.first { $0.node == 4 && $0.from == interimEpoch }
        #expect(stepDown != nil, "seed \(seed): 4 never stepped down")
        sim.settleAndCheck()
    }

    /// A leader that crashes and comes straight back has forgotten its epoch: it may lead a stale lower term,
    /// hear its own previous epoch back from a follower, and must then campaign for a newer term at once
    /// rather than follow itself until its failure detector fires.
    @Test(arguments: scenarioSeeds)
    func leaderRestartingQuicklyRegainsLeadershipWithANewerEpoch(seed: UInt64) throws {
        let sim = Simulator(nodes: 5, seed: seed, delay: 1 * ms...5 * ms)
        sim.run(until: 300 * ms)
        sim.crash(5)
        #expect(sim.runUntilAllFollow(4, within: 1_000 * ms), "seed \(seed): node 4 did not take over")
        sim.run(for: (seed * 11 % 50) * ms)
        let before = try #require(sim.election(4).current)
        sim.crash(4)
        sim.run(for: 10 * ms)
        let restartedAt = sim.now
        sim.restart(4)
        #expect(sim.runUntilAllFollow(4, within: 150 * ms), "seed \(seed): no leader 150 ms after the restart")
        #expect(sim.election(4).current! > before, "seed \(seed)")
        #expect(sim.now - restartedAt < 150 * ms)
        sim.settleAndCheck()
    }

    @Test(arguments: scenarioSeeds)
    func newHighestNodeJoiningTakesOver(seed: UInt64) throws {
        let sim = Simulator(nodes: 4, seed: seed, startAll: false)
        for id in 1...3 { sim.restart(id) }
        #expect(sim.runUntilAllFollow(3, within: 1_000 * ms), "seed \(seed)")
        sim.run(for: 200 * ms)
        let joinedAt = sim.now
        sim.restart(4)
        #expect(sim.runUntilAllFollow(4, within: 500 * ms), "seed \(seed): joining node 4 did not take over")
        #expect(sim.stepDowns.contains { $0.node == 3 && $0.time >= joinedAt }, "seed \(seed)")
        sim.settleAndCheck()
    }

    /// Every node starts at the same instant and every message takes exactly 1 ms: elections fully overlap.
    @Test(arguments: 2...7)
    func simultaneousStartOnALockstepNetworkConverges(nodes: Int) {
        let sim = Simulator(nodes: nodes, seed: 42, delay: 1 * ms...1 * ms)
        #expect(sim.electionStarts.count == nodes)
        #expect(sim.runUntilAllFollow(nodes, within: 1_000 * ms))
        sim.settleAndCheck()
    }

    /// On a lockstep network all followers hear each heartbeat at the same instant, so after the leader dies
    /// their failure detectors fire together and they all hold elections at once.
    @Test(arguments: 3...7)
    func followersTimingOutTogetherConvergeOnOneLeader(nodes: Int) throws {
        let sim = Simulator(nodes: nodes, seed: 7, delay: 1 * ms...1 * ms)
        sim.run(until: 1_000 * ms)
        let crashedAt = sim.now
        sim.crash(nodes)
        #expect(sim.runUntilAllFollow(nodes - 1, within: 1_000 * ms))
        let timeouts = sim.electionStarts.filter { $0.time > crashedAt && $0.reason.contains("silent") }
        #expect(Set(timeouts.map(\.node)) == Set(1..<nodes), "every follower's detector fired")
        #expect(Set(timeouts.map(\.time)).count == 1, "the detectors fired at one instant")
        sim.settleAndCheck()
    }

    @Test(arguments: scenarioSeeds)
    func messageLossStillConvergesOnceFaultsStop(seed: UInt64) {
        let loss = 0.10 + Double(seed % 3) * 0.05
        let sim = Simulator(nodes: 5, seed: seed, dropProbability: loss)
        sim.run(until: 1_000 * ms)
        sim.crash(5)
        sim.run(for: 1_000 * ms)
        sim.restart(5)
        sim.run(for: 1_000 * ms)
        #expect(sim.dropped > 0, "seed \(seed): nothing was lost")
        sim.settleAndCheck()
    }

    /// A leader stopped longer than the failure detector wakes up believing it still leads: its late heartbeat
    /// timer fires first and it sends heartbeats of its old epoch, which is strictly lower than the epoch the
    /// others elected meanwhile. Only hearing the newer epoch makes it step down; until then the Order Queue's
    /// fencing is what keeps it from committing. With `backlogLost` the messages sent to it during the pause
    /// are lost (a reset connection), so it learns of the new epoch only from the replies to its stale
    /// heartbeats, a round trip after waking.
    @Test(arguments: scenarioSeeds, [false, true])
    func pausedOldLeaderWakesClaimingAStaleEpochAndStepsDown(seed: UInt64, backlogLost: Bool) throws {
        let sim = Simulator(nodes: 5, seed: seed, delay: 1 * ms...5 * ms)
        sim.run(until: 1_000 * ms + (seed * 7 % 50) * ms)
        let oldEpoch = try #require(sim.election(5).current)
        // Past the detector's ceiling: until then the followers' probes of the paused leader only time out.
        let pause = BullyConfiguration.loopback.detector.maximumTimeout + 300 * ms
        sim.pause(5, for: pause)
        if backlogLost { sim.partition([[5]]) }
        sim.run(for: pause - 1)
        sim.heal()
        let newEpoch = try #require(sim.election(4).current)
        #expect(sim.currentLeaders == [4], "seed \(seed): node 4 did not take over during the pause")
        #expect(oldEpoch < newEpoch, "seed \(seed)")
        #expect(sim.election(5).isLeader && sim.election(5).current == oldEpoch, "seed \(seed)")

        sim.run(for: 1)
        let wokeAt = sim.now
        sim.run(for: 500 * ms)
        let staleHeartbeats = sim.sends.filter {
            $0.from == 5 && $0.time == wokeAt && $0.message == .heartbeat(oldEpoch)
        }
        #expect(staleHeartbeats.count == 4, "seed \(seed): the woken leader's late timer sent no stale heartbeats")
        let stepDown = try #require(sim.stepDowns.first { $0.node == 5 && $0.time >= wokeAt }, "seed \(seed)")
        #expect(stepDown.from == oldEpoch && stepDown.newer == newEpoch, "seed \(seed)")
        // The window in which the woken node still claims its old epoch.
        let window = stepDown.time - wokeAt
        let roundTrip = 2 * sim.delay.upperBound
        #expect(window <= roundTrip + BullyConfiguration.loopback.heartbeatInterval, "seed \(seed): \(window) ns")
        #expect((window > 0) == backlogLost, "seed \(seed): window \(window) ns")
        // Node 5 is still the highest id, so after stepping down it bullies its way back with a newer epoch.
        #expect(sim.currentLeaders == [5] && sim.election(5).current! > newEpoch, "seed \(seed)")
        sim.settleAndCheck()
    }

    @Test(arguments: scenarioSeeds)
    func partitionedSidesEachElectTheirHighestAndConvergeOnHeal(seed: UInt64) {
        let sim = Simulator(nodes: 5, seed: seed)
        sim.run(until: 1_000 * ms)
        let sides: [[Int]] = seed % 2 == 0 ? [[5], [1, 2, 3, 4]] : [[1, 2], [3, 4, 5]]
        sim.partition(sides)
        sim.run(for: 1_500 * ms)
        for side in sides {
            let highest = side.max()!
            let leaders = side.filter { sim.election($0).isLeader }
            #expect(leaders == [highest], "seed \(seed): side \(side) has leaders \(leaders)")
            #expect(side.allSatisfy { sim.election($0).leader == highest }, "seed \(seed): side \(side)")
        }
        sim.settleAndCheck()
    }

    /// The VOPR run: random crashes, restarts, pauses, partitions and message loss for 3 s, then a healthy
    /// network. Safety must hold throughout and the cluster must converge and go quiet.
    @Test func randomFaultsKeepSafetyAndConvergeAcrossManySeeds() {
        var failures = 0
        for seed in UInt64(1_000)..<1_200 {
            if !Self.runRandomFaults(seed: seed) { failures += 1 }
            if failures >= 5 { break }
        }
        #expect(failures == 0)
    }

    static func runRandomFaults(
        seed: UInt64, configuration: BullyConfiguration = .loopback, settle: UInt64 = 2_000 * ms
    ) -> Bool {
        var rng = SplitMix64(seed: seed ^ 0xFA17)
        let nodes = Int(rng.next(in: 3...6))
        let sim = Simulator(nodes: nodes, seed: seed, configuration: configuration)
        while sim.now < 3_000 * ms {
            sim.run(for: rng.next(in: 10 * ms...300 * ms))
            let node = Int(rng.next(in: 1...UInt64(nodes)))
            switch rng.next(in: 0...9) {
            case 0, 1:
                if sim.liveIDs.count > 1 { sim.crash(node) }
            case 2, 3:
                if !sim.isUp(node) { sim.restart(node) }
            case 4:
                sim.pause(node, for: rng.next(in: 10 * ms...600 * ms))
            case 5:
                let cut = Int(rng.next(in: 1...UInt64(nodes - 1)))
                sim.partition([Array(1...cut), Array(cut + 1...nodes)])
            case 6:
                sim.heal()
            case 7:
                sim.dropProbability = Double(rng.next(in: 0...30)) / 100
            default:
                break
            }
        }
        let safeDuringFaults = sim.checkSafety()
        return sim.settleAndCheck(healthy: settle) && safeDuringFaults
    }
}
