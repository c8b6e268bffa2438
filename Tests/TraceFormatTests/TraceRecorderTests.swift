import Causality
import Dispatch
import Foundation
import Synchronization
import Testing
import TraceFormat

/// A fake wall clock that advances by one microsecond per reading.
private final class FakeClock: Sendable {
    private let now = Atomic<Int64>(1_700_000_000_000_000_000)
    func read() -> Int64 { now.add(1_000, ordering: .relaxed).newValue }
}

@Test func recorderNumbersEventsAndTicksItsOwnEntryOncePerEvent() throws {
    try withTemporaryDirectory { directory in
        let path = TraceRecorder.path(node: "fraud", directory: directory.path)
        #expect(path == directory.appendingPathComponent("fraud.jsonl.gz").path)
        let clock = FakeClock()
        let recorder = TraceRecorder(
            node: "fraud", writer: try TraceFileWriter(path: path), pid: 777, wallClock: { clock.read() })
        #expect(recorder.isTracing)
        let context = TraceContext(
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", parentSpanID: "b7ad6b7169203331")
        let returned = [
            recorder.record(.spanStart, context: context, data: ["name": "score"]),
            recorder.record(.log, data: ["level": "info", "message": "hello"]),
            recorder.record(.spanEnd, context: context),
        ]
        #expect(returned.map { $0["fraud"] } == [1, 2, 3])
        #expect(recorder.clock == VectorClock(["fraud": 3]))
        recorder.close()

        let (events, report) = try readTrace(path)
        #expect(report.isClean, "\(report.problems)")
        #expect(events.map(\.sequence) == [1, 2, 3])
        #expect(events.map(\.clock) == returned)
        #expect(events.map(\.kind) == [.spanStart, .log, .spanEnd])
        #expect(events.allSatisfy { $0.node == "fraud" && $0.pid == 777 && $0.version == TraceEvent.schemaVersion })
        #expect(events.map(\.wallTimeNanos) == [1, 2, 3].map { 1_700_000_000_000_000_000 + $0 * 1_000 })
        #expect(events[0].traceID == context.traceID)
        #expect(events[0].spanID == context.spanID)
        #expect(events[0].parentSpanID == context.parentSpanID)
        #expect(events[1].traceID == nil)
        #expect(events[0].data == ["name": "score"])
        #expect(recorder.statistics.eventsWritten == 3)
    }
}

@Test func recordMergingAppliesTheReceiveRule() throws {
    try withTemporaryDirectory { directory in
        let recorder = try TraceRecorder.file(node: "stock", directory: directory.path)
        recorder.record(.log)
        recorder.record(.log)
        let remote = VectorClock(["orchestrator": 5, "stock": 1, "fraud": 2])
        let before = recorder.clock
        let afterReceive = recorder.record(.rpcReceive, merging: remote)
        var expected = before
        expected.receive(remote, at: "stock")
        #expect(afterReceive == expected)
        #expect(afterReceive == VectorClock(["stock": 3, "orchestrator": 5, "fraud": 2]))
        #expect(remote.compare(afterReceive) == .before)
        // A remote clock that knows more of our own entry than we do still ends one above it.
        let ahead = recorder.record(.rpcReceive, merging: VectorClock(["stock": 10]))
        #expect(ahead["stock"] == 11)
        recorder.close()
        let (events, report) = try readTrace(TraceRecorder.path(node: "stock", directory: directory.path))
        #expect(report.isClean)
        #expect(events.map(\.sequence) == [1, 2, 3, 4])
        #expect(events[2].clock == afterReceive)
        #expect(events[3].clock == ahead)
    }
}

@Test func eventsFromManyThreadsAreWrittenInSequenceOrder() throws {
    let threads = 8
    let perThread = 1_000
    try withTemporaryDirectory { directory in
        let recorder = try TraceRecorder.file(node: "orchestrator", directory: directory.path)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                recorder.record(
                    EventKind("test.tick"),
                    merging: index % 10 == 0 ? VectorClock(["peer\(thread)": UInt64(index)]) : nil,
                    data: ["thread": .int(Int64(thread)), "i": .int(Int64(index))])
            }
        }
        recorder.close()
        let (events, report) = try readTrace(TraceRecorder.path(node: "orchestrator", directory: directory.path))
        #expect(report.isClean, "\(report.problems)")
        #expect(events.count == threads * perThread)
        #expect(difference(events.map(\.sequence), 1...UInt64(threads * perThread)) == nil)
        // Own entries strictly increase in file order, and every clock dominates the one before.
        var previous = VectorClock()
        var disorder = 0
        for event in events {
            if !(event.clock["orchestrator"] > previous["orchestrator"]) || previous.compare(event.clock) != .before {
                disorder += 1
            }
            previous = event.clock
        }
        #expect(disorder == 0)
        #expect(events.last?.clock["orchestrator"] == UInt64(threads * perThread))
        // Wall times are taken under the same lock, so they never go backwards within the file.
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.wallTimeNanos <= $1.wallTimeNanos })
        // Each thread's own events keep their order too.
        for thread in 0..<threads {
            let mine = events.filter { $0.data["thread"] == .int(Int64(thread)) }.compactMap { $0.data["i"]?.intValue }
            #expect(difference(mine, 0..<Int64(perThread)) == nil, "thread \(thread)")
        }
        #expect(recorder.statistics.eventsWritten == threads * perThread)
    }
}

@Test func recorderWithoutWriterStillTicksAndMerges() {
    let recorder = TraceRecorder(node: "client", writer: nil)
    #expect(!recorder.isTracing)
    recorder.record(.rpcSend)
    recorder.record(.rpcReplyReceive, merging: VectorClock(["server": 4]))
    #expect(recorder.clock == VectorClock(["client": 2, "server": 4]))
    DispatchQueue.concurrentPerform(iterations: 4) { _ in
        for _ in 0..<250 { recorder.record(.log) }
    }
    #expect(recorder.clock["client"] == 1_002)
    recorder.flush()
    recorder.close()
    #expect(recorder.statistics == TraceFileWriter.Statistics())
}

@Test func recorderAfterCloseKeepsTickingButDropsEvents() throws {
    try withTemporaryDirectory { directory in
        let recorder = try TraceRecorder.file(node: "n", directory: directory.path)
        recorder.record(.log)
        recorder.close()
        recorder.record(.log)
        #expect(recorder.clock["n"] == 2)
        #expect(recorder.statistics.eventsWritten == 1)
        #expect(recorder.statistics.eventsDropped == 1)
    }
}

@Test func recorderFlushMakesRecordedEventsReadable() throws {
    try withTemporaryDirectory { directory in
        let recorder = try TraceRecorder.file(node: "n", directory: directory.path)
        for _ in 0..<20 { recorder.record(.log) }
        recorder.flush()
        let (events, report) = try readTrace(TraceRecorder.path(node: "n", directory: directory.path))
        #expect(events.map(\.sequence) == Array(1...20))
        #expect(report.malformed.isEmpty)
        #expect(report.droppedTailBytes == 0)
        recorder.close()
    }
}

@Test func systemWallClockIsUnixNanoseconds() {
    let before = Int64(Date().timeIntervalSince1970 * 1e9)
    let now = TraceRecorder.systemWallClock()
    let after = Int64(Date().timeIntervalSince1970 * 1e9)
    #expect(now >= before - 1_000_000 && now <= after + 1_000_000)
}
