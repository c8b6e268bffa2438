import ClusterProtocol
import Election
import ExecutorCore
import Foundation
import Logging
import RPC
import TestTimeLimits
import Testing
import TraceFormat

@testable import Services

/// The executor's timers (`ExecutorNode+Timers.swift`): one sleeping task per timer, kept across re-arms to a later
/// deadline and across the re-arm of a firing timer; replaced only for an earlier deadline; gone when cancelled.
/// Real time with wide margins: a starved test only fires late, never early. The running-time limits are wide too:
/// each `await` of these bodies needs a thread of the cooperative pool, which the suites that run clusters hold
/// blocked for tens of seconds at a time in one `swift test` process (a clean-clone run saw 34 s for a body that
/// waits about 3 s).
@Suite("Executor timers without a task per re-arm")
struct ExecutorTimerTests {
    static let ms: UInt64 = 1_000_000
    /// A timer the instance never arms: when it fires the instance does nothing, so only the shell acts.
    static let foreign = ExecutorTimer.work(.idle(slot: 99))

    static func node(replicas: [Int] = [1], heartbeatMs: Int = 100) -> ExecutorNode {
        var settings = ExecutorSettings()
        settings.replicas = replicas.map { ExecutorSettings.Replica(id: $0, address: "127.0.0.1:1") }
        settings.heartbeatMs = heartbeatMs
        settings.leaderTimeoutMs = max(settings.leaderTimeoutMs, 2 * heartbeatMs)
        let recorder = TraceRecorder(node: "executor-1", writer: nil)
        let logger = Logger(label: "executor-1") { _ in SwiftLogNoOpLogHandler() }
        let host = ServiceHost(node: "executor-1", recorder: recorder, logger: logger, metricsEnabled: false)
        return ExecutorNode(
            id: 1, settings: settings, queue: .init(id: "queue", address: "127.0.0.1:1"), host: host,
            tracesDirectory: nil)
    }

    /// Waits (at most `seconds`) until `timer` is no longer armed; true when it fired or was cancelled in time.
    static func waitUntilGone(_ node: ExecutorNode, _ timer: ExecutorTimer, seconds: Double = 10) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while await node.timers[timer] != nil, Date() < deadline { try? await Task.sleep(nanoseconds: 5 * ms) }
        return await node.timers[timer] == nil
    }

    @Test(.runningTimeLimit(.seconds(120)))
    func aReArmToALaterDeadlineKeepsTheSleeperAndFiresAtTheLaterDeadline() async {
        let node = Self.node()
        let start = MonotonicClock.nanos()
        await node.arm(Self.foreign, deadline: start + 300 * Self.ms)
        let sleeper = await node.timers[Self.foreign]?.sleeper
        await node.arm(Self.foreign, deadline: start + 3_000 * Self.ms)
        #expect(await node.timers[Self.foreign]?.sleeper == sleeper, "a later deadline keeps the sleeping task")
        #expect(await node.nextSleeper == 1)
        try? await Task.sleep(nanoseconds: 600 * Self.ms)
        let armed = await node.timers[Self.foreign]
        if MonotonicClock.nanos() < start + 3_000 * Self.ms {  // else this look came too late to tell (a starved test)
            #expect(armed != nil, "the timer did not fire at the deadline it was moved away from")
        }
        #expect(await Self.waitUntilGone(node, Self.foreign))
        #expect(MonotonicClock.nanos() >= start + 3_000 * Self.ms, "fired at the later deadline, not before")
        #expect(await node.nextSleeper == 1, "one task carried the timer throughout")
    }

    @Test(.runningTimeLimit(.seconds(120)))
    func aReArmToAnEarlierDeadlineReplacesTheSleeper() async {
        let node = Self.node()
        let start = MonotonicClock.nanos()
        await node.arm(Self.foreign, deadline: start + 5_000 * Self.ms)
        await node.arm(Self.foreign, deadline: start + 100 * Self.ms)
        #expect(await node.nextSleeper == 2)
        #expect(await Self.waitUntilGone(node, Self.foreign, seconds: 4), "fired near the earlier deadline")
    }

    @Test(.runningTimeLimit(.seconds(120)))
    func aCancelledTimerNeverFires() async {
        let node = Self.node()
        let other = ExecutorTimer.work(.idle(slot: 98))
        let start = MonotonicClock.nanos()
        await node.arm(Self.foreign, deadline: start + 100 * Self.ms)
        await node.arm(other, deadline: start + 200 * Self.ms)
        await node.disarm(Self.foreign)
        #expect(await node.timers[Self.foreign] == nil)
        #expect(await Self.waitUntilGone(node, other), "the other timer still fires")
        await node.arm(Self.foreign, deadline: MonotonicClock.nanos() + 100 * Self.ms)
        #expect(await node.nextSleeper == 3, "a cancelled timer armed again gets a new sleeper")
    }

    /// A leader re-arms its heartbeat timer every time it fires: the same task carries every heartbeat.
    @Test(.runningTimeLimit(.seconds(120)))
    func aLeadersHeartbeatTimerIsCarriedByOneTaskAcrossManyBeats() async throws {
        let node = Self.node(replicas: [1], heartbeatMs: 10)
        await node.start()
        let heartbeat = ExecutorTimer.election(.heartbeat)
        let deadline = Date().addingTimeInterval(10)
        while await node.timers[heartbeat] == nil, Date() < deadline { try? await Task.sleep(nanoseconds: 5 * Self.ms) }
        let first = await node.timers[heartbeat]
        try #require(first != nil, "the single replica never led")
        try? await Task.sleep(nanoseconds: 500 * Self.ms)
        let later = await node.timers[heartbeat]
        #expect(later?.sleeper == first?.sleeper, "the heartbeat timer kept its sleeper")
        #expect((later?.deadline ?? 0) >= (first?.deadline ?? .max) + 10 * 10 * Self.ms, "it fired at least 10 times")
        await node.stop()
        #expect(await node.timers.isEmpty)
    }
}
