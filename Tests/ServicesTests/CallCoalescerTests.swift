import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Services

/// `CallCoalescer`: calls made while a batch is in flight go together in the next one; every caller gets its own
/// answer; the bounds hold.
@Suite("Call coalescer")
struct CallCoalescerTests {
    /// What the send closure saw.
    final class Sends: Sendable {
        let batches = Mutex<[[Int]]>([])
        let inFlight = Mutex((now: 0, most: 0))

        func begin(_ items: [Int]) {
            batches.withLock { $0.append(items) }
            inFlight.withLock { $0 = (now: $0.now + 1, most: max($0.most, $0.now + 1)) }
        }

        func end() { inFlight.withLock { $0.now -= 1 } }
    }

    @Test("a call with nobody else waiting is sent at once, alone")
    func aLoneCallGoesAlone() {
        let sends = Sends()
        let coalescer = CallCoalescer<Int, Int>(maxItems: 8, maxInFlight: 1) { items in
            sends.begin(items)
            defer { sends.end() }
            return items.map { $0 * 10 }
        }
        #expect(coalescer.call(3) == 30)
        #expect(coalescer.call(4) == 40)
        #expect(sends.batches.withLock { $0 } == [[3], [4]])
    }

    @Test("calls made while a batch is in flight go together in the next batch, each answered with its own result")
    func waitingCallsShareTheNextBatch() async throws {
        let sends = Sends()
        let release = DispatchSemaphore(value: 0)
        let coalescer = CallCoalescer<Int, Int>(maxItems: 8, maxInFlight: 1) { items in
            sends.begin(items)
            defer { sends.end() }
            if items == [0] { release.wait() }  // the first batch stays in flight until the others wait
            return items.map { $0 * 10 }
        }
        let answers = Mutex<[Int: Int]>([:])
        let group = DispatchGroup()
        // Threads of their own: a dispatch queue's pool may not start them all at once.
        func start(_ item: Int) {
            group.enter()
            Thread {
                let answer = coalescer.call(item)
                answers.withLock { $0[item] = answer }
                group.leave()
            }.start()
        }
        start(0)
        try await waitUntil { sends.batches.withLock { $0.count } == 1 }
        for item in 1...5 { start(item) }
        try await waitUntil { coalescer.waitingCount == 5 }
        release.signal()
        group.wait()
        let batches = sends.batches.withLock { $0 }
        #expect(batches.count == 2, "\(batches)")
        #expect(batches.last.map { Set($0) } == Set(1...5))
        #expect(answers.withLock { $0 } == Dictionary(uniqueKeysWithValues: (0...5).map { ($0, $0 * 10) }))
    }

    @Test("under many concurrent callers: every call answered once with its own result, within the bounds")
    func boundsHoldUnderContention() {
        let sends = Sends()
        let coalescer = CallCoalescer<Int, Int>(maxItems: 4, maxInFlight: 2) { items in
            sends.begin(items)
            defer { sends.end() }
            usleep(200)
            return items.map { -$0 }
        }
        let threads = 16
        let perThread = 100
        let wrong = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                let item = thread * perThread + index
                if coalescer.call(item) != -item { wrong.withLock { $0 += 1 } }
            }
        }
        let batches = sends.batches.withLock { $0 }
        let sent = batches.flatMap { $0 }
        #expect(wrong.withLock { $0 } == 0)
        #expect(sent.count == threads * perThread && Set(sent).count == sent.count, "each call sent exactly once")
        #expect(batches.allSatisfy { (1...4).contains($0.count) })
        #expect(sends.inFlight.withLock { $0.most } <= 2)
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }
}
