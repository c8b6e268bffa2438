import ClusterProtocol
import Dispatch
import Election
import Foundation
import Testing

@testable import Services

/// The leader's side of the followers' watches: a held call returns when the replica stops leading the watched
/// epoch, when it stops, or when the hold ends; never held when it does not lead the epoch. Real threads, short holds.
@Suite("Leader watches held by the executor's server")
struct LeaderWatchersTests {
    let epoch = Epoch(term: 4, leader: 3)

    /// Runs `hold` on another thread and returns a wait for its end (true when it ended within `seconds`).
    func holding(_ watchers: LeaderWatchers, epoch: Epoch, nanos: UInt64) -> (Double) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            watchers.hold(epoch: epoch, nanos: nanos)
            done.signal()
        }
        return { done.wait(timeout: .now() + $0) == .success }
    }

    func waitUntilHeld(_ watchers: LeaderWatchers, count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while watchers.count < count, Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
        return watchers.count == count
    }

    @Test func aWatchOfAnEpochTheReplicaDoesNotLeadIsAnsweredAtOnce() {
        let watchers = LeaderWatchers()
        watchers.update(leading: Epoch(term: 3, leader: 3))
        let started = Date()
        watchers.hold(epoch: epoch, nanos: 5_000_000_000)
        #expect(Date().timeIntervalSince(started) < 1 && watchers.count == 0)
    }

    @Test func aHeldWatchEndsWhenTheReplicaStopsLeadingTheEpoch() {
        let watchers = LeaderWatchers()
        watchers.update(leading: epoch)
        let ended = holding(watchers, epoch: epoch, nanos: 10_000_000_000)
        #expect(waitUntilHeld(watchers, count: 1))
        #expect(!ended(0.05), "held while the replica leads the epoch")
        watchers.update(leading: nil)
        #expect(ended(2) && watchers.count == 0)
    }

    @Test func aHeldWatchEndsWithItsHold() {
        let watchers = LeaderWatchers()
        watchers.update(leading: epoch)
        let started = Date()
        watchers.hold(epoch: epoch, nanos: 50_000_000)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.045 && elapsed < 2 && watchers.count == 0)
    }

    @Test func stoppingAnswersEveryHeldWatchAndHoldsNoMore() {
        let watchers = LeaderWatchers()
        watchers.update(leading: epoch)
        let first = holding(watchers, epoch: epoch, nanos: 10_000_000_000)
        let second = holding(watchers, epoch: epoch, nanos: 10_000_000_000)
        #expect(waitUntilHeld(watchers, count: 2))
        watchers.stop()
        #expect(first(2) && second(2))
        let started = Date()
        watchers.hold(epoch: epoch, nanos: 5_000_000_000)
        #expect(Date().timeIntervalSince(started) < 1)
    }

    @Test func beyondTheLimitAWatchIsAnsweredAtOnce() {
        let watchers = LeaderWatchers(limit: 1)
        watchers.update(leading: epoch)
        let held = holding(watchers, epoch: epoch, nanos: 10_000_000_000)
        #expect(waitUntilHeld(watchers, count: 1))
        let started = Date()
        watchers.hold(epoch: epoch, nanos: 5_000_000_000)
        #expect(Date().timeIntervalSince(started) < 1)
        watchers.stop()
        #expect(held(2))
    }

    @Test func watchParamsOutOfRangeAreNamed() {
        #expect(LeaderWatchRequest(epoch: epoch, holdMs: -1).problem != nil)
        #expect(LeaderWatchRequest(epoch: epoch, holdMs: LeaderWatchRequest.maxHoldMs + 1).problem != nil)
        #expect(LeaderWatchRequest(epoch: Epoch(term: Epoch.maxTerm + 1, leader: 1), holdMs: 10).problem != nil)
        #expect(LeaderWatchRequest(epoch: epoch, holdMs: 2_000).problem == nil)
    }

    @Test func executorTimingIsValidatedWhenTheConfigIsLoaded() throws {
        #expect(ExecutorSettings().timingProblem() == nil)
        var settings = ExecutorSettings()
        settings.leaderTimeoutMs = settings.heartbeatMs
        #expect(settings.timingProblem()?.contains("leaderTimeoutMs") == true)
        settings = ExecutorSettings()
        settings.watchHoldMs = LeaderWatchRequest.maxHoldMs + 1
        #expect(settings.timingProblem()?.contains("watchHoldMs") == true)
        settings = ExecutorSettings()
        (settings.heartbeatMs, settings.leaderTimeoutMs) = (.max, .max)
        #expect(settings.timingProblem() != nil, "huge values are refused, not trapped on")
        settings = ExecutorSettings()
        settings.probeTimeoutMs = -5
        #expect(settings.timingProblem()?.contains("probeTimeoutMs") == true)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("timing-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"executors": {"heartbeatMs": 0}}"#.utf8).write(to: file)
        #expect(throws: ConfigError.self) { try ClusterConfig.load(path: file.path) }
    }
}
