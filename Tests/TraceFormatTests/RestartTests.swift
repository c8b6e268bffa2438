import Causality
import Foundation
import Testing
import TraceFormat

@Suite("A node restarted after kill -9")
struct RestartTests {
    @Test func eventsOfTheRestartedProcessStayReadableBehindTheUnfinishedMember() throws {
        try withTemporaryDirectory { directory in
            let path = TraceRecorder.path(node: "executor-1", directory: directory.path)
            // First incarnation: events flushed but the gzip member never finished (as after kill -9).
            let scratch = directory.appendingPathComponent("scratch").path
            let first = try TraceRecorder.file(node: "executor-1", directory: scratch)
            for _ in 0..<50 { first.record(EventKind("test.tick")) }
            first.record(EventKind("test.tick"), merging: VectorClock(["queue": 7]))
            first.flush()
            let unfinished = try Data(
                contentsOf: URL(fileURLWithPath: TraceRecorder.path(node: "executor-1", directory: scratch)))
            try unfinished.write(to: URL(fileURLWithPath: path))
            first.close()

            // Second incarnation appends to the same file.
            let second = try TraceRecorder.file(node: "executor-1", directory: directory.path)
            // No state file in this directory: the whole trace is read, and a reservation's worth is skipped.
            #expect(
                second.clock["executor-1"] == 51 + TraceFileSettings().reservation, "the clock continues from the file")
            #expect(second.clock["queue"] == 7)
            for _ in 0..<20 { second.record(EventKind("test.tick")) }
            second.close()

            let (events, report) = try readTrace(path)
            #expect(events.count == 71, "\(report.problems)")
            #expect(report.resumedAt.count == 1)
            #expect(report.malformed.isEmpty)
            let own = events.map { $0.clock["executor-1"] }
            let skip = TraceFileSettings().reservation
            #expect(own == (1...51).map(UInt64.init) + (52...71).map { UInt64($0) + skip }, "own entry never repeats")
            #expect(events.suffix(20).map(\.sequence) == (1...20).map(UInt64.init), "seq restarts per process")
        }
    }

    @Test func aWholeEarlierMemberIsReadWithoutDamage() throws {
        try withTemporaryDirectory { directory in
            let first = try TraceRecorder.file(node: "queue", directory: directory.path)
            for _ in 0..<5 { first.record(EventKind("test.tick")) }
            first.close()
            let second = try TraceRecorder.file(node: "queue", directory: directory.path)
            second.record(EventKind("test.tick"))
            second.close()
            let (events, report) = try readTrace(TraceRecorder.path(node: "queue", directory: directory.path))
            #expect(report.isClean, "\(report.problems)")
            // The first incarnation reserved values up to the reservation: the second continues above them.
            #expect(events.map { $0.clock["queue"] } == [1, 2, 3, 4, 5, 1 + TraceFileSettings().reservation])
        }
    }
}
