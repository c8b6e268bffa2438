import Election
import Testing

/// Drives `BullyElection` directly with a hand-advanced clock.
@Suite("BullyElection state machine")
struct BullyElectionTests {
    /// Round numbers (heartbeat 50 ms, floor 200 ms, election 60 ms) so the deadlines below read easily.
    let config = BullyConfiguration(
        heartbeatInterval: 50 * ms, leaderTimeout: 200 * ms, electionTimeout: 60 * ms, coordinatorTimeout: 200 * ms)

    /// Node `id` of a cluster with ids 1…`count`.
    func node(_ id: Int, of count: Int) -> BullyElection {
        BullyElection(id: id, peers: Array(1...count), configuration: config)
    }

    func sends(_ directives: [BullyDirective]) -> [BullyMessage: [Int]] {
        var result: [BullyMessage: [Int]] = [:]
        for case .send(let message, let to) in directives { result[message, default: []].append(to) }
        return result
    }

    func startedElection(_ directives: [BullyDirective]) -> String? {
        for case .electionStarted(let reason) in directives { return reason }
        return nil
    }

    /// Node 2 of 1…3 that led epoch 1.2 after nobody higher answered.
    func leaderTwoOfThree() -> BullyElection {
        var two = node(2, of: 3)
        _ = two.start(now: 0)
        _ = two.onTimer(.electionTimeout, now: 60 * ms)
        return two
    }

    /// Node `id` of 1…`count` following `epoch`, learned at `now`.
    func follower(_ id: Int, of count: Int, following epoch: Epoch, at now: UInt64 = 0) -> BullyElection {
        var election = node(id, of: count)
        _ = election.onMessage(.coordinator(epoch), from: epoch.leader, now: now)
        return election
    }

    @Test func singleNodeBecomesLeaderOfTermOneAtStart() {
        var only = BullyElection(id: 1, peers: [1], configuration: config)
        let directives = only.start(now: 5 * ms)
        #expect(only.isLeader)
        #expect(only.current == Epoch(term: 1, leader: 1))
        #expect(directives.contains(.leaderChanged(Epoch(term: 1, leader: 1))))
        #expect(directives.contains(.setTimer(.heartbeat, deadline: 55 * ms)))
        #expect(sends(directives).isEmpty)
    }

    @Test func highestIdLeadsAtStartWithoutWaiting() {
        var three = node(3, of: 3)
        let directives = three.start(now: 0)
        let epoch = Epoch(term: 1, leader: 3)
        #expect(three.isLeader && three.current == epoch)
        #expect(sends(directives) == [.coordinator(epoch): [1, 2]])
        #expect(!directives.contains { if case .setTimer(.electionTimeout, _) = $0 { true } else { false } })
        #expect(directives.last == .setTimer(.heartbeat, deadline: config.heartbeatInterval))
    }

    @Test func lowerNodeStartSendsElectionToEveryHigherIdAndArmsElectionTimeout() {
        var two = node(2, of: 4)
        let directives = two.start(now: 10 * ms)
        #expect(two.role == .candidate && !two.isLeader && two.current == nil)
        #expect(startedElection(directives) == "start")
        #expect(sends(directives) == [.election(known: .none): [3, 4]])
        #expect(directives.contains(.setTimer(.electionTimeout, deadline: 70 * ms)))
    }

    @Test func answerMovesCandidateToAwaitingCoordinator() {
        var two = node(2, of: 3)
        _ = two.start(now: 0)
        let directives = two.onMessage(.answer(known: .none), from: 3, now: 4 * ms)
        #expect(two.role == .awaitingCoordinator)
        #expect(directives == [.cancelTimer(.electionTimeout), .setTimer(.coordinatorTimeout, deadline: 204 * ms)])
        // A late election timeout no longer makes it leader.
        #expect(two.onTimer(.electionTimeout, now: 60 * ms).isEmpty)
        #expect(!two.isLeader)
    }

    @Test func coordinatorTimeoutAfterAnAnswerStartsOver() {
        var two = node(2, of: 3)
        _ = two.start(now: 0)
        _ = two.onMessage(.answer(known: .none), from: 3, now: 4 * ms)
        let directives = two.onTimer(.coordinatorTimeout, now: 204 * ms)
        #expect(two.role == .candidate)
        #expect(startedElection(directives) == "no coordinator after an answer")
        #expect(sends(directives) == [.election(known: .none): [3]])
    }

    @Test func electionTimeoutWithoutAnswersMakesCandidateLeaderOfTheNextTerm() {
        var two = follower(2, of: 3, following: Epoch(term: 4, leader: 3))
        _ = two.onTimer(.leaderTimeout, now: 200 * ms)
        #expect(two.role == .candidate)
        let directives = two.onTimer(.electionTimeout, now: 260 * ms)
        let epoch = Epoch(term: 5, leader: 2)
        #expect(two.isLeader && two.current == epoch && two.highestSeen == epoch)
        #expect(directives.contains(.leaderChanged(epoch)))
        #expect(sends(directives) == [.coordinator(epoch): [1, 3]])
        #expect(directives.last == .setTimer(.heartbeat, deadline: 310 * ms))
    }

    @Test func heartbeatTimerSendsHeartbeatsAndReArms() {
        var two = leaderTwoOfThree()
        let directives = two.onTimer(.heartbeat, now: 110 * ms)
        let epoch = Epoch(term: 1, leader: 2)
        #expect(
            directives == [
                .send(.heartbeat(epoch), to: 1), .send(.heartbeat(epoch), to: 3),
                .setTimer(.heartbeat, deadline: 160 * ms),
            ])
    }

    @Test func heartbeatTimerOfAFollowerDoesNothing() {
        var one = follower(1, of: 3, following: Epoch(term: 1, leader: 3))
        #expect(one.onTimer(.heartbeat, now: 50 * ms).isEmpty)
    }

    @Test func followerWhoseLeaderFallsSilentStartsAnElectionSayingWhy() {
        var one = follower(1, of: 3, following: Epoch(term: 1, leader: 3), at: 10 * ms)
        let directives = one.onTimer(.leaderTimeout, now: 210 * ms)
        #expect(one.role == .candidate)
        #expect(startedElection(directives) == "leader 3 silent for 200 ms (tolerance 200 ms, local health 0)")
        #expect(directives.first == .leaderTimedOut(leader: 3, silentNanos: 200 * ms), "the detector speaks first")
        #expect(sends(directives) == [.election(known: Epoch(term: 1, leader: 3)): [2, 3]])
        #expect(directives.contains(.setTimer(.electionTimeout, deadline: 270 * ms)))
    }

    @Test func heartbeatAfterTheTimerWasArmedReArmsWhenTheTimerFiresInsteadOfElecting() {
        let epoch = Epoch(term: 1, leader: 3)
        var one = follower(1, of: 3, following: epoch, at: 0)
        // The armed detector timer stays (no timer churn per heartbeat): it measures the silence when it fires.
        #expect(one.onMessage(.heartbeat(epoch), from: 3, now: 120 * ms).isEmpty)
        let directives = one.onTimer(.leaderTimeout, now: 200 * ms)
        #expect(directives == [.setTimer(.leaderTimeout, deadline: 320 * ms)])
        #expect(one.role == .follower)
    }

    @Test func leaderHearingAHigherEpochStepsDownAndCancelsItsHeartbeat() {
        var two = leaderTwoOfThree()
        let old = Epoch(term: 1, leader: 2)
        let newer = Epoch(term: 2, leader: 3)
        let directives = two.onMessage(.coordinator(newer), from: 3, now: 100 * ms)
        #expect(!two.isLeader && two.role == .follower && two.current == newer)
        #expect(directives.contains(.steppedDown(from: old, newer: newer)))
        #expect(directives.contains(.cancelTimer(.heartbeat)))
        #expect(directives.contains(.leaderChanged(newer)))
        #expect(directives.contains(.setTimer(.leaderTimeout, deadline: 300 * ms)))
        #expect(startedElection(directives) == nil)
    }

    @Test func nodeHearingAStaleEpochRepliesWithTheCurrentCoordinator() {
        let current = Epoch(term: 3, leader: 3)
        var one = follower(1, of: 3, following: current)
        let directives = one.onMessage(.heartbeat(Epoch(term: 1, leader: 2)), from: 2, now: 10 * ms)
        #expect(directives == [.send(.coordinator(current), to: 2)])
        #expect(one.current == current)
    }

    @Test func nodeLearningOfALowerIdLeaderBulliesItWithAnElection() {
        var three = node(3, of: 4)
        let lower = Epoch(term: 1, leader: 2)
        let directives = three.onMessage(.coordinator(lower), from: 2, now: 0)
        #expect(directives.contains(.leaderChanged(lower)))
        #expect(startedElection(directives) == "lower id 2 leads epoch 1.2")
        #expect(sends(directives) == [.election(known: lower): [4]])
        #expect(three.role == .candidate)
    }

    @Test func highestNodeLearningOfALowerIdLeaderTakesOverAtOnce() {
        var three = node(3, of: 3)
        let directives = three.onMessage(.coordinator(Epoch(term: 4, leader: 2)), from: 2, now: 0)
        let epoch = Epoch(term: 5, leader: 3)
        #expect(three.isLeader && three.current == epoch)
        #expect(sends(directives) == [.coordinator(epoch): [1, 2]])
    }

    @Test func fencingByAHigherEpochMakesALeaderStepDown() {
        var two = leaderTwoOfThree()
        let old = Epoch(term: 1, leader: 2)
        let newer = Epoch(term: 7, leader: 3)
        let directives = two.onFenced(by: newer, now: 100 * ms)
        #expect(!two.isLeader && two.current == newer && two.highestSeen == newer)
        #expect(directives.contains(.steppedDown(from: old, newer: newer)))
        #expect(directives.contains(.cancelTimer(.heartbeat)))
    }

    @Test func fencingByAnEpochNotAboveTheCurrentOneIsIgnored() {
        var two = leaderTwoOfThree()
        #expect(two.onFenced(by: Epoch(term: 1, leader: 2), now: 100 * ms).isEmpty)
        #expect(two.onFenced(by: Epoch(term: 1, leader: 1), now: 100 * ms).isEmpty)
        #expect(two.isLeader)
    }

    @Test func followerAnswersAnElectionFromALowerIdAndHoldsItsOwn() {
        let epoch = Epoch(term: 1, leader: 3)
        var two = follower(2, of: 3, following: epoch)
        let directives = two.onMessage(.election(known: epoch), from: 1, now: 10 * ms)
        #expect(directives.first == .send(.answer(known: epoch), to: 1))
        #expect(startedElection(directives) == "election from 1")
        #expect(sends(directives)[.election(known: epoch)] == [3])
        #expect(two.role == .candidate)
    }

    @Test func leaderAnswersAnElectionAndReannouncesItself() {
        var three = node(3, of: 3)
        _ = three.start(now: 0)
        let epoch = Epoch(term: 1, leader: 3)
        let directives = three.onMessage(.election(known: .none), from: 1, now: 10 * ms)
        #expect(directives == [.send(.answer(known: epoch), to: 1), .send(.coordinator(epoch), to: 1)])
        #expect(three.isLeader)
    }

    @Test func candidateOnlyAnswersAnElectionFromALowerId() {
        var two = node(2, of: 3)
        _ = two.start(now: 0)
        let directives = two.onMessage(.election(known: .none), from: 1, now: 1 * ms)
        #expect(directives == [.send(.answer(known: .none), to: 1)])
        #expect(two.role == .candidate)
    }

    /// A spurious failure suspicion (lost heartbeats) must end when the leader it suspected answers: the
    /// leader re-announces the epoch the node already follows, and the node goes back to following it instead
    /// of waiting for a new coordinator that never comes and holding elections forever.
    @Test func awaitingNodeHearingItsHigherLeaderReannounceReturnsToFollowing() {
        let epoch = Epoch(term: 1, leader: 3)
        var two = follower(2, of: 3, following: epoch)
        _ = two.onTimer(.leaderTimeout, now: 200 * ms)
        _ = two.onMessage(.answer(known: epoch), from: 3, now: 202 * ms)
        let directives = two.onMessage(.coordinator(epoch), from: 3, now: 202 * ms)
        #expect(two.role == .follower && two.current == epoch)
        #expect(directives.contains(.cancelTimer(.coordinatorTimeout)))
        // The 202 ms gap of a live leader is now part of its history: the tolerance widened past the floor.
        #expect(two.detectionTimeout() > config.leaderTimeout)
        #expect(directives.contains(.setTimer(.leaderTimeout, deadline: 202 * ms + two.detectionTimeout())))
        #expect(two.onTimer(.coordinatorTimeout, now: 402 * ms).isEmpty)
    }

    @Test func candidateHearingItsHigherLeaderHeartbeatReturnsToFollowing() {
        let epoch = Epoch(term: 1, leader: 3)
        var one = follower(1, of: 3, following: epoch)
        _ = one.onTimer(.leaderTimeout, now: 200 * ms)
        let directives = one.onMessage(.heartbeat(epoch), from: 3, now: 201 * ms)
        #expect(one.role == .follower)
        #expect(directives.contains(.cancelTimer(.electionTimeout)))
        #expect(one.onTimer(.electionTimeout, now: 260 * ms).isEmpty)
        #expect(!one.isLeader)
    }

    @Test func candidateBullyingALowerLeaderKeepsCampaigningThroughItsHeartbeats() {
        let lower = Epoch(term: 1, leader: 2)
        var three = follower(3, of: 4, following: lower)
        #expect(three.role == .candidate)
        #expect(three.onMessage(.heartbeat(lower), from: 2, now: 30 * ms).isEmpty)
        #expect(three.role == .candidate)
        let directives = three.onTimer(.electionTimeout, now: 60 * ms)
        #expect(three.isLeader && directives.contains(.leaderChanged(Epoch(term: 2, leader: 3))))
    }

    /// A restarted node remembers nothing; a follower may tell it about the epoch it led before the crash.
    @Test func restartedNodeToldOfItsOwnOldEpochCampaignsInsteadOfFollowingItself() {
        var two = node(2, of: 3)
        let own = Epoch(term: 4, leader: 2)
        let directives = two.onMessage(.coordinator(own), from: 1, now: 0)
        #expect(directives.contains(.leaderChanged(own)))
        #expect(startedElection(directives) == "own epoch 4.2 from before a restart")
        #expect(two.role == .candidate && sends(directives) == [.election(known: own): [3]])
        _ = two.onTimer(.electionTimeout, now: 60 * ms)
        #expect(two.isLeader && two.current == Epoch(term: 5, leader: 2))
    }
}
