import Election
import SeededRandom
import Testing

/// A follower (node 1 of 1…3, leader 3) driven the way the executor shell drives it, on a mock clock: heartbeats
/// are delivered at given times, and timers fire at their deadline plus whatever lateness the test asks for.
/// While `leaderAlive`, the leader answers an election at once and re-announces itself (as a live leader does).
struct FollowerHarness {
    var leaderAlive = true
    var election: BullyElection
    var timers: [BullyTimer: UInt64] = [:]
    var now: UInt64 = 0
    /// When the detector fired (the silence it saw), if it did.
    var suspected: (at: UInt64, silent: UInt64)?
    let epoch = Epoch(term: 1, leader: 3)

    init(configuration: BullyConfiguration = .loopbackWithoutProbe) {
        election = BullyElection(id: 1, peers: [1, 2, 3], configuration: configuration)
        carry(election.onMessage(.coordinator(epoch), from: 3, now: 0))
    }

    mutating func carry(_ directives: [BullyDirective]) {
        for directive in directives {
            switch directive {
            case .setTimer(let timer, let deadline): timers[timer] = deadline
            case .cancelTimer(let timer): timers[timer] = nil
            case .leaderTimedOut(_, let silent): if suspected == nil { suspected = (now, silent) }
            case .send(.election, to: 3) where leaderAlive:
                carry(election.onMessage(.answer(known: epoch), from: 3, now: now))
                carry(election.onMessage(.coordinator(epoch), from: 3, now: now))
            default: break
            }
        }
    }

    /// Fires every timer due up to `time` (each `lateness` after its deadline), then sets the clock to `time`.
    mutating func advance(to time: UInt64, lateness: UInt64 = 0) {
        var steps = 0
        while let (timer, deadline) = timers.min(by: { $0.value < $1.value }), deadline &+ lateness <= time {
            steps += 1
            guard steps < 1_000_000 else {
                Issue.record("timers keep firing without the clock moving")
                return
            }
            timers[timer] = nil
            now = max(now, deadline &+ lateness)
            carry(election.onTimer(timer, now: now))
        }
        now = max(now, time)
    }

    /// A heartbeat received at `time` and handled `wait` later (timers due before are fired first).
    mutating func heartbeat(at time: UInt64, wait: UInt64 = 0, lateness: UInt64 = 0) {
        advance(to: time + wait, lateness: lateness)
        carry(election.onMessage(.heartbeat(epoch), from: 3, now: time + wait, receivedAt: time))
    }
}

extension BullyConfiguration {
    /// The loopback timing without the probe of a suspected leader: the detector's own decisions are visible.
    static var loopbackWithoutProbe: BullyConfiguration {
        var configuration = BullyConfiguration.loopback
        configuration.probeTimeout = 0
        return configuration
    }
}

@Suite("Adaptive failure detector (phi-accrual and local health)")
struct FailureDetectorTests {
    let config = BullyConfiguration.loopbackWithoutProbe

    @Test func steadyHeartbeatsAreSuspectedAtTheQuietFloorAfterTheLastOne() throws {
        var follower = FollowerHarness()
        var time: UInt64 = 0
        for _ in 0..<200 {
            time += config.heartbeatInterval
            follower.heartbeat(at: time)
        }
        #expect(follower.suspected == nil)
        #expect(follower.election.detectionTimeout() == config.leaderTimeout, "regular heartbeats: the floor")
        let last = time
        follower.leaderAlive = false
        follower.advance(to: last + 2 * config.detector.maximumTimeout)
        let suspected = try #require(follower.suspected, "a silent leader is suspected")
        #expect(suspected.at == last + config.leaderTimeout && suspected.silent == config.leaderTimeout)
        #expect(follower.election.isLeader, "no answer from the dead leader (node 2 is not simulated): node 1 leads")
    }

    @Test func jitteryHeartbeatsWidenTheToleranceAndCauseNoFalseSuspicion() throws {
        var follower = FollowerHarness()
        var rng = SplitMix64(seed: 15)
        var time: UInt64 = 0
        var largest: UInt64 = 0
        for _ in 0..<1_500 {
            let gap = rng.next(in: 5 * ms...60 * ms)
            largest = max(largest, gap)
            time += gap
            follower.heartbeat(at: time)
        }
        #expect(follower.suspected == nil, "a live leader with jittery heartbeats is never suspected")
        let tolerance = follower.election.detectionTimeout()
        #expect(tolerance > config.leaderTimeout + 30 * ms && tolerance > 2 * largest, "\(tolerance / ms) ms")
        #expect(tolerance <= config.detector.maximumTimeout)
        #expect(follower.election.detector.phi(at: time + 30 * ms) < 1, "30 ms of silence is not suspicious")
        // A leader that does die is still found, after the widened tolerance.
        follower.leaderAlive = false
        follower.advance(to: time + 2 * config.detector.maximumTimeout)
        let suspected = try #require(follower.suspected)
        #expect(suspected.silent == tolerance)
    }

    /// Scheduler stalls are heavier-tailed than the normal model: the first stall far beyond the jitter seen so far
    /// can be suspected (only local health can excuse it, see below), but once seen, stalls of that size are
    /// tolerated (1.5 × the largest gap in the window).
    @Test func aStallSeenOnceIsToleratedWhenItRepeats() {
        var election = BullyElection(id: 1, peers: [1, 2, 3], configuration: config)
        let epoch = Epoch(term: 1, leader: 3)
        _ = election.onMessage(.coordinator(epoch), from: 3, now: 0)
        var rng = SplitMix64(seed: 21)
        var time: UInt64 = 0
        var suspected: [Int] = []
        for index in 0..<2_000 {
            let gap = index % 50 == 49 ? rng.next(in: 150 * ms...200 * ms) : rng.next(in: 15 * ms...25 * ms)
            // Would the detector have fired before this heartbeat came?
            if gap >= election.detectionTimeout() { suspected.append(index) }
            time += gap
            _ = election.onMessage(.heartbeat(epoch), from: 3, now: time)
        }
        #expect(suspected.count <= 2 && suspected.allSatisfy { $0 < 100 }, "only the first stalls: \(suspected)")
        #expect(election.detectionTimeout() >= 225 * ms)
    }

    @Test func phiGrowsWithSilenceAndIsAboutAThirdAtTheMeanGap() {
        var detector = PhiAccrualDetector(settings: config.detector)
        var rng = SplitMix64(seed: 3)
        var time: UInt64 = 0
        for _ in 0..<300 {
            time += rng.next(in: 15 * ms...25 * ms)
            detector.heartbeat(at: time)
        }
        let atMean = detector.phi(at: time + UInt64(detector.mean))
        #expect(abs(atMean - 0.301) < 0.01, "phi at the mean gap is −log10(0.5): \(atMean)")
        let levels = [10, 20, 40, 60, 80].map { detector.phi(at: time + UInt64($0) * ms) }
        #expect(levels == levels.sorted() && levels.last! > levels.first!)
        // The suspicion timeout is where phi reaches the threshold.
        let timeout = detector.suspicionTimeout
        #expect(abs(detector.phi(at: time + timeout) - config.detector.phiThreshold) < 0.05)
    }

    @Test func lateTimersMakeTheNodeWidenItsToleranceAndRecoverLater() {
        var health = LocalHealth(settings: config.detector)
        #expect(health.multiplier == 1)
        health.observe(lateness: config.detector.lateThreshold, now: 0)
        #expect(health.score == 0, "on the threshold is not late")
        health.observe(lateness: config.detector.lateThreshold + 1, now: 1)
        #expect(health.score == 1 && health.multiplier == 1.5)
        health.observe(lateness: 8 * config.detector.lateThreshold, now: 2)
        #expect(health.score == 4, "a long stall counts more: 1 + 3")
        for step in 0..<40 { health.observe(lateness: 500 * ms, now: 3 + UInt64(step)) }
        #expect(health.score == config.detector.maximumHealthScore && health.multiplier == 5)
        health.decay(now: 3 + 39 + 3 * config.detector.recovery)
        #expect(health.score == config.detector.maximumHealthScore - 3)
        health.observe(lateness: 0, now: 3 + 39 + 100 * config.detector.recovery)
        #expect(health.score == 0 && health.multiplier == 1)
    }

    @Test func aFollowerWhoseOwnTimersFireLateDoesNotSuspectAndWidens() {
        var follower = FollowerHarness()
        var time: UInt64 = 0
        for _ in 0..<100 {
            time += config.heartbeatInterval
            follower.heartbeat(at: time)
        }
        // The node is starved: every timer fires 60 ms late and every heartbeat waits 40 ms to be handled, while
        // the (equally starved) leader's heartbeats come up to 150 ms apart, sometimes in bursts.
        var rng = SplitMix64(seed: 9)
        for _ in 0..<300 {
            time += rng.next(in: 0...150 * ms)
            follower.heartbeat(at: time, wait: 40 * ms, lateness: 60 * ms)
        }
        #expect(follower.suspected == nil, "no false suspicion from a starved follower")
        #expect(follower.election.health.score > 0)
        #expect(follower.election.detectionTimeout() > 2 * config.leaderTimeout)
    }

    @Test func aPersistentlyStarvedFollowerStillSuspectsADeadLeaderByTheCeiling() throws {
        var follower = FollowerHarness()
        follower.leaderAlive = false
        follower.heartbeat(at: 20 * ms)
        // Every timer fires 100 ms late from now on: the grace for a late timer must not defer forever.
        follower.advance(to: 10_000 * ms, lateness: 100 * ms)
        let suspected = try #require(follower.suspected)
        #expect(suspected.silent >= config.leaderTimeout)
        #expect(suspected.silent <= config.detector.maximumTimeout + 2 * 100 * ms)
    }

    @Test func theHistoryIsABoundedWindow() {
        var detector = PhiAccrualDetector(settings: config.detector)
        for index in 0..<100_000 { detector.heartbeat(at: UInt64(index) * 20 * ms) }
        #expect(detector.sampleCount == config.detector.windowSize)
        // Old gaps leave the window: a burst of long gaps long ago is forgotten.
        var burst = PhiAccrualDetector(settings: config.detector)
        var time: UInt64 = 0
        for _ in 0..<10 {
            time += 500 * ms
            burst.heartbeat(at: time)
        }
        #expect(burst.largestGap == 500 * ms)
        for _ in 0..<config.detector.windowSize {
            time += 20 * ms
            burst.heartbeat(at: time)
        }
        #expect(burst.largestGap == 20 * ms)
    }

    @Test func aStallIsRememberedBeyondTheWindowAndFades() {
        var detector = PhiAccrualDetector(settings: config.detector)
        var time: UInt64 = 0
        detector.heartbeat(at: time)
        time += 300 * ms
        detector.heartbeat(at: time)
        for _ in 0..<(2 * config.detector.windowSize) {
            time += 20 * ms
            detector.heartbeat(at: time)
        }
        // About 20 s later the stall has left the window but half-life 60 s keeps most of it.
        #expect(detector.largestGap == 20 * ms)
        #expect(detector.rememberedPeak > 200 * Double(ms) && detector.rememberedPeak < 300 * Double(ms))
        #expect(detector.suspicionTimeout >= 300 * ms)
        for _ in 0..<30_000 {
            time += 20 * ms
            detector.heartbeat(at: time)
        }
        // Ten minutes of regular heartbeats later it is forgotten: the remembered peak is the regular gap again.
        #expect(detector.rememberedPeak <= Double(20 * ms))
        #expect(detector.suspicionTimeout < config.leaderTimeout)
    }

    @Test func weirdTimesNeitherTrapNorSuspectALiveLeader() {
        var follower = FollowerHarness()
        follower.heartbeat(at: 20 * ms)
        // Time going backwards: an arrival stamped earlier, a message handled "before" it was received.
        follower.carry(follower.election.onMessage(.heartbeat(follower.epoch), from: 3, now: 10 * ms))
        follower.carry(
            follower.election.onMessage(.heartbeat(follower.epoch), from: 3, now: 15 * ms, receivedAt: 19 * ms))
        follower.carry(follower.election.onTimer(.leaderTimeout, now: 5 * ms))
        #expect(follower.suspected == nil && follower.election.role == .follower)
        // Huge gaps and the end of time.
        var detector = PhiAccrualDetector(settings: config.detector)
        for time in [0, UInt64.max / 2, UInt64.max - 1, UInt64.max, 5] { detector.heartbeat(at: time) }
        #expect(detector.suspicionTimeout <= config.detector.maximumTimeout)
        #expect(detector.phi(at: UInt64.max).isFinite)
        var late = FollowerHarness()
        late.carry(late.election.onMessage(.heartbeat(late.epoch), from: 3, now: UInt64.max - 5))
        late.carry(late.election.onTimer(.leaderTimeout, now: UInt64.max))
        late.carry(late.election.onTimer(.electionTimeout, now: UInt64.max))
        // Degenerate settings: zero intervals and window, NaN factors.
        let broken = FailureDetectorSettings(
            maximumTimeout: 0, windowSize: 0, minimumSamples: -3, phiThreshold: .nan, minimumDeviation: 0,
            gapFactor: .infinity, lateThreshold: 0, maximumHealthScore: -1, healthStep: .nan, recovery: 0)
        var odd = FollowerHarness(
            configuration: BullyConfiguration(
                heartbeatInterval: 0, leaderTimeout: 0, electionTimeout: 0, coordinatorTimeout: 0, detector: broken))
        for time in [5, 3, 40, UInt64.max, 7] {
            odd.carry(odd.election.onMessage(.heartbeat(odd.epoch), from: 3, now: time, receivedAt: time &- 1))
            odd.carry(odd.election.onTimer(.leaderTimeout, now: time &+ 1))
        }
        #expect(odd.election.detectionTimeout() == 0)
        #expect(odd.election.health.multiplier == 1)
    }

    @Test func aFixedTimeoutWhenTheDetectorIsNotAdaptive() {
        var settings = config.detector
        settings.adaptive = false
        var follower = FollowerHarness(
            configuration: BullyConfiguration(
                heartbeatInterval: config.heartbeatInterval, leaderTimeout: config.leaderTimeout, detector: settings))
        var time: UInt64 = 0
        for index in 0..<100 {
            time += index.isMultiple(of: 10) ? 70 * ms : 10 * ms
            follower.heartbeat(at: time, lateness: 50 * ms)
        }
        #expect(follower.election.detectionTimeout() == config.leaderTimeout)
        #expect(follower.election.health.score == 0)
    }

    @Test func aStarvedCandidateWaitsLongerForAnAnswer() {
        var follower = FollowerHarness()
        follower.leaderAlive = false
        follower.heartbeat(at: 20 * ms)
        for time in stride(from: 20 * ms, to: 3_000 * ms, by: Int(ms)) where follower.suspected == nil {
            follower.advance(to: time, lateness: 100 * ms)
        }
        #expect(follower.election.role == .candidate && follower.election.health.score > 0)
        let deadline = follower.timers[.electionTimeout] ?? 0
        #expect(deadline > follower.now + config.electionTimeout, "the election timeout is widened too")
    }
}
