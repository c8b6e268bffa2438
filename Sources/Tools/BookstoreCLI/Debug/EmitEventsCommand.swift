import ArgumentParser
import Foundation
import TraceFormat

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `bookstore debug emit-events`: records `test.tick` events at a steady rate, for the kill -9 test.
///
/// After each event it writes `<seq> <unix-nanos>\n` to stdout, unbuffered, where the time was read right
/// after `record` returned: "event `seq` was recorded no later than this".
struct EmitEventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit-events",
        abstract: "Record test.tick events into <traces>/<node>.jsonl.gz and report each one on stdout.",
        shouldDisplay: false
    )

    @Option(help: "Directory of the trace file.")
    var traces: String

    @Option(help: "Node name: the trace file is <traces>/<node>.jsonl.gz.")
    var node: String

    @Option(help: "Events per second.")
    var ratePerSecond: Int = 2000

    @Option(help: "Events to record before closing the file and exiting; 0 records until killed.")
    var count: Int = 0

    func validate() throws {
        guard ratePerSecond > 0 else { throw ValidationError("--rate-per-second must be positive") }
        guard count >= 0 else { throw ValidationError("--count must not be negative") }
        guard !node.isEmpty else { throw ValidationError("--node must not be empty") }
    }

    func run() throws {
        let recorder = try TraceRecorder.file(node: node, directory: traces)
        let start = Self.monotonicNanos()
        let nanosPerEvent = 1_000_000_000.0 / Double(ratePerSecond)
        var index = 0
        while count == 0 || index < count {
            index += 1
            let clock = recorder.record(TestTick(index: Int64(index)))
            let now = TraceRecorder.systemWallClock()
            // One recorder, one thread: the sequence number is the own clock entry.
            guard Self.writeToStandardOutput("\(clock[node]) \(now)\n") else { throw ExitCode.failure }
            // Pace: sleep once we are a millisecond or more ahead of the schedule (small bursts in between).
            let due = start + Int64(Double(index) * nanosPerEvent)
            let ahead = due - Self.monotonicNanos()
            if ahead >= 1_000_000 { usleep(useconds_t(ahead / 1_000)) }
        }
        recorder.close()
    }

    /// write(2) on fd 1 until every byte is out; false when stdout is gone.
    private static func writeToStandardOutput(_ text: String) -> Bool {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    private static func monotonicNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
