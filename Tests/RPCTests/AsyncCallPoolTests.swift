import Foundation
import Synchronization
import Testing

@testable import RPC

/// The threads that carry async calls' blocking exchanges are bounded; calls beyond the bound wait and complete.
@Suite struct AsyncCallPoolTests {
    @Test func jobsBeyondTheBoundAllCompleteOnAtMostThatManyThreads() async {
        let pool = BlockingWorkPool(label: "test-pool", maximumThreads: 3)
        let gauge = Gauge()
        let results = await withTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask {
                    await pool.run {
                        let now = gauge.running.add(1, ordering: .relaxed).newValue
                        gauge.most.max(now, ordering: .relaxed)
                        usleep(2_000)
                        gauge.running.subtract(1, ordering: .relaxed)
                        return index
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<40))
        #expect(pool.threadsStarted <= 3)
        #expect(gauge.most.load(ordering: .relaxed) <= 3)
        // The jobs overlapped: the pool did use more than one thread.
        #expect(pool.mostConcurrentJobs > 1)
    }

    @Test func moreConcurrentAsyncCallsThanThreadsAllSucceed() async throws {
        let pair = try TestPair()
        let calls = RPCClient.asyncCallThreads * 4
        let sums = try await withThrowingTaskGroup(of: Sum.self) { group in
            for index in 0..<calls {
                group.addTask {
                    try await pair.client.call(
                        "add", AddParams(a: index, b: 1), returning: Sum.self, deadline: .seconds(10))
                }
            }
            return try await group.reduce(into: []) { $0.append($1.sum) }
        }
        #expect(sums.sorted() == Array(1...calls))
        #expect(RPCClient.asyncCalls.threadsStarted <= RPCClient.asyncCallThreads)
        #expect(RPCClient.asyncCalls.mostConcurrentJobs <= RPCClient.asyncCallThreads)
    }
}

/// How many jobs run at once, and the most that did.
private final class Gauge: Sendable {
    let running = Atomic<Int>(0)
    let most = Atomic<Int>(0)
}
