import Election
import Testing

/// Confirming a suspicion before electing: a follower whose detector suspects the leader probes it first; an answer
/// cancels the suspicion, a refusal elects at once, no answer elects only at the detector's ceiling. Mock clock.
@Suite("Probe of a suspected leader before an election")
struct LeaderProbeTests {
    let config = BullyConfiguration.loopback
    let epoch = Epoch(term: 1, leader: 3)

    /// Node 1 of 1…3 following executor 3 (epoch 1.3) since time 0, and the directives of its detector firing at
    /// the quiet floor.
    func suspecting() -> (BullyElection, [BullyDirective]) {
        var one = BullyElection(id: 1, peers: [1, 2, 3], configuration: config)
        _ = one.onMessage(.coordinator(epoch), from: 3, now: 0)
        let directives = one.onTimer(.leaderTimeout, now: config.leaderTimeout)
        return (one, directives)
    }

    func probes(_ directives: [BullyDirective]) -> [(leader: Int, number: UInt64, deadline: UInt64)] {
        directives.compactMap {
            guard case .probeLeader(let leader, let number, let deadline) = $0 else { return nil }
            return (leader, number, deadline)
        }
    }

    func electionStarted(_ directives: [BullyDirective]) -> String? {
        for case .electionStarted(let reason) in directives { return reason }
        return nil
    }

    func timer(_ directives: [BullyDirective]) -> UInt64? {
        for case .setTimer(.leaderTimeout, let deadline) in directives { return deadline }
        return nil
    }

    @Test func aSuspectedLeaderIsProbedWithTheProbeDeadlineInsteadOfAnElection() throws {
        let (one, directives) = suspecting()
        let probe = try #require(probes(directives).first)
        #expect(probe.leader == 3 && probe.deadline == config.leaderTimeout + config.probeTimeout)
        #expect(electionStarted(directives) == nil && one.role == .follower)
        #expect(!directives.contains { if case .leaderTimedOut = $0 { true } else { false } })
        #expect(timer(directives) == config.detector.maximumTimeout, "the ceiling still bounds the suspicion")
    }

    @Test func anAnsweredProbeCancelsTheSuspicionAndWidensTheDetector() throws {
        var (one, directives) = suspecting()
        let probe = try #require(probes(directives).first)
        let now = config.leaderTimeout + 10 * ms
        let answered = one.onProbeResult(.answered(leading: epoch), probe: probe.number, now: now)
        #expect(electionStarted(answered) == nil && one.role == .follower && one.leader == 3)
        #expect(one.detectionTimeout() >= 3 * now / 2, "the 90 ms silence is a stall the detector now tolerates")
        #expect(timer(answered) == now + one.detectionTimeout())
        // The same silence again is no suspicion now.
        #expect(probes(one.onTimer(.leaderTimeout, now: 2 * now)).isEmpty)
    }

    @Test func aRefusedProbeStartsTheElectionAtOnce() throws {
        var (one, directives) = suspecting()
        let probe = try #require(probes(directives).first)
        let now = config.leaderTimeout + 2 * ms
        let refused = one.onProbeResult(.refused, probe: probe.number, now: now)
        #expect(refused.first == .leaderTimedOut(leader: 3, silentNanos: now))
        #expect(electionStarted(refused) == "leader 3 silent for 82 ms and refused the probe")
        #expect(one.role == .candidate)
        #expect(refused.contains(.send(.election(known: epoch), to: 2)))
    }

    @Test func unansweredProbesAreRepeatedAndElectOnlyAtTheCeiling() throws {
        var (one, directives) = suspecting()
        var numbers: [UInt64] = []
        var ceiling = try #require(timer(directives))
        while let probe = probes(directives).first {
            numbers.append(probe.number)
            directives = one.onProbeResult(.timedOut, probe: probe.number, now: probe.deadline)
            #expect(electionStarted(directives) == nil && one.role == .follower)
            ceiling = timer(directives) ?? ceiling
        }
        #expect(numbers == Array(1...8), "a probe every 100 ms from 80 ms while 100 ms more stay below 960 ms")
        #expect(ceiling == config.detector.maximumTimeout)
        let elected = one.onTimer(.leaderTimeout, now: ceiling)
        #expect(elected.first == .leaderTimedOut(leader: 3, silentNanos: ceiling))
        #expect(one.role == .candidate && electionStarted(elected) != nil)
    }

    @Test func aHeartbeatDuringTheProbeEndsItAndALateResultIsIgnored() throws {
        var (one, directives) = suspecting()
        let probe = try #require(probes(directives).first)
        let heartbeat = config.leaderTimeout + 20 * ms
        let rearmed = one.onMessage(.heartbeat(epoch), from: 3, now: heartbeat)
        #expect(timer(rearmed) == heartbeat + one.detectionTimeout(), "back from the ceiling to the detector")
        #expect(one.onProbeResult(.refused, probe: probe.number, now: heartbeat + 1).isEmpty)
        #expect(one.role == .follower && one.detectionTimeout() >= 150 * ms)
    }

    @Test func aResultOfAnOlderProbeIsIgnored() throws {
        var (one, directives) = suspecting()
        let first = try #require(probes(directives).first)
        let again = one.onProbeResult(.timedOut, probe: first.number, now: first.deadline)
        let second = try #require(probes(again).first)
        #expect(second.number == first.number + 1)
        #expect(one.onProbeResult(.refused, probe: first.number, now: first.deadline + 1).isEmpty)
        #expect(one.role == .follower)
    }

    @Test func aLeaderThatAnswersButNoLongerLeadsIsReplacedAtOnce() throws {
        var (one, directives) = suspecting()
        let probe = try #require(probes(directives).first)
        let replaced = one.onProbeResult(.answered(leading: nil), probe: probe.number, now: 90 * ms)
        #expect(one.role == .candidate)
        #expect(electionStarted(replaced)?.hasSuffix("does not lead 1.3 any more") == true)
    }

    @Test func aProbeAnsweredWithANewerEpochAdoptsIt() throws {
        var (one, directives) = suspecting()
        let probe = try #require(probes(directives).first)
        let newer = Epoch(term: 2, leader: 3)
        let adopted = one.onProbeResult(.answered(leading: newer), probe: probe.number, now: 90 * ms)
        #expect(one.current == newer && one.role == .follower)
        #expect(adopted.contains(.leaderChanged(newer)))
    }

    @Test func withoutAProbeTheSuspicionElectsAtOnce() {
        var configuration = config
        configuration.probeTimeout = 0
        var one = BullyElection(id: 1, peers: [1, 2, 3], configuration: configuration)
        _ = one.onMessage(.coordinator(epoch), from: 3, now: 0)
        let directives = one.onTimer(.leaderTimeout, now: configuration.leaderTimeout)
        #expect(probes(directives).isEmpty && one.role == .candidate)
    }
}
