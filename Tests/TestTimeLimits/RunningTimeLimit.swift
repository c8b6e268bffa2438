import Foundation
import Testing

/// A time limit measured from the moment the test's body starts running, not from when the test was scheduled.
///
/// Why not Swift Testing's `.timeLimit`: its clock starts when the test is scheduled. With ~750 tests on a 2-core
/// machine, many of them blocking a cooperative thread while a real cluster runs, a test can wait in the queue for
/// longer than its limit and then fail without having run for a second (CI saw three 1-minute `emit-events` tests
/// "exceed" their limit this way). Here the limit counts only the body's own running time:
/// - a body that finishes late gets an issue saying how long it ran;
/// - a body still running at twice its limit (plus a minute) is taken as hung: the watchdog prints the test's name
///   and ends the test process, so that a hang fails CI in minutes instead of at CI's hard limit.
public struct RunningTimeLimit: TestTrait, TestScoping {
    /// The limit on the body's running time.
    public let limit: Duration

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let start = ContinuousClock.now
        let watchdog = HangWatchdog(testName: test.name, after: limit * 2 + .seconds(60))
        defer { watchdog.disarm() }
        try await function()
        let ran = ContinuousClock.now - start
        if ran > limit {
            Issue.record("the test ran for \(ran), over its running-time limit of \(limit)")
        }
    }
}

extension Trait where Self == RunningTimeLimit {
    /// A limit on how long the test's body may run, counted from when it starts (see `RunningTimeLimit`).
    public static func runningTimeLimit(_ limit: Duration) -> Self { RunningTimeLimit(limit: limit) }
}

/// Ends the test process if a test body is still running after `after`. `@unchecked Sendable` is sound: `disarmed`
/// is touched only while holding `condition`'s lock.
private final class HangWatchdog: @unchecked Sendable {
    private let condition = NSCondition()
    private var disarmed = false

    init(testName: String, after: Duration) {
        let seconds = Double(after.components.seconds) + Double(after.components.attoseconds) / 1e18
        let deadline = Date(timeIntervalSinceNow: seconds)
        let thread = Thread { [self] in
            condition.lock()
            while !disarmed && Date() < deadline { _ = condition.wait(until: deadline) }
            let hung = !disarmed
            condition.unlock()
            if hung {
                FileHandle.standardError.write(
                    Data("\nHUNG TEST: \(testName) was still running after \(after); ending the test run\n".utf8))
                exit(3)
            }
        }
        thread.name = "hang-watchdog"
        thread.start()
    }

    func disarm() {
        condition.lock()
        disarmed = true
        condition.broadcast()
        condition.unlock()
    }
}
