import ArgumentParser
import Foundation
import TraceAnalysis
import TraceTestSupport

/// `bookstore-bench analyzer`: `trace-analyzer check` throughput on a generated run (events as large and varied as
/// a real run's, ~390 bytes of JSON each, gzip level 1 in 256 KiB members), next to `zcat RUN/*.gz > /dev/null` on
/// the same files in the same run, and its peak memory by run size (bounded memory shows as a peak that does not
/// grow with the run). `--huge` (or `BOOKSTORE_BENCH_HUGE=1`) adds a 10M-event run; never part of `make test`.
///
/// This machine's speed drifts from minute to minute (a shared host: the same check took 1.1 s and 1.9 s within ten
/// minutes, zcat 1.4 s and 1.7 s), so each size is measured in `--rounds` rounds, zcat and check back to back in
/// alternating order, and the ratio is reported per round: its median, lowest and highest.
struct AnalyzerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyzer", abstract: "trace-analyzer check vs zcat on generated runs; peak memory by size.")

    @Option(help: "Events in the first generated run.") var events: Int = 1_000_000
    @Option(help: "Events in the second, larger run (0 to skip).") var largeEvents: Int = 5_000_000
    @Flag(help: "Also a 10M-event run (about 4 GB of JSON, 1 GB compressed; also BOOKSTORE_BENCH_HUGE=1).")
    var huge = false
    @Option(help: "Events in the --huge run.") var hugeEvents: Int = 10_000_000
    @Option(help: "The trace-analyzer executable (default: next to this one).") var analyzer: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @Option(help: "Keep the generated runs in this directory (<dir>/run-<events>) and reuse them on the next call.")
    var runs: String?
    @Option(help: "Rounds of zcat and check per run size (the ratio is reported per round: median, lowest, highest).")
    var rounds: Int = 5

    /// One round: zcat and check on the same files, back to back.
    struct Round: Codable {
        var zcatSeconds: Double
        var checkSeconds: Double
        /// check's speed as a fraction of zcat's in this round.
        var relativeToZcat: Double
    }

    struct Measurement: Codable {
        var events: Int
        var compressedBytes: Int
        /// Medians over the rounds.
        var zcatSeconds: Double
        var checkSeconds: Double
        var checkEventsPerSecond: Double
        /// check's speed as a fraction of zcat's on the same files: the median of the rounds' ratios.
        var relativeToZcat: Double
        /// The lowest and highest of the rounds' ratios.
        var relativeToZcatLowest: Double
        var relativeToZcatHighest: Double
        var rounds: [Round]
        /// The highest peak RSS of the rounds' checks.
        var checkPeakRSSMegabytes: Double
        var checkExitStatus: Int32
        /// `timeline --order` of one order: the first call builds the run's order index, the second reuses it.
        var timelineFirstSeconds: Double
        var timelineSecondSeconds: Double
    }

    func run() throws {
        let executable =
            analyzer
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("trace-analyzer").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            FileHandle.standardError.write(Data("error: \(executable) not found; build trace-analyzer first\n".utf8))
            throw ExitCode(2)
        }
        var results: [Measurement] = []
        let withHuge = huge || ProcessInfo.processInfo.environment["BOOKSTORE_BENCH_HUGE"] == "1"
        for size in [events, largeEvents, withHuge ? hugeEvents : 0] where size > 0 {
            let directory =
                runs.map { "\($0)/run-\(size)" } ?? NSTemporaryDirectory() + "analyzer-bench-\(getpid())-\(size)"
            defer { if runs == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let written = try generatedRun(size: size, in: directory)
            let bytes = try FileManager.default.contentsOfDirectory(atPath: directory).reduce(0) { total, name in
                let size = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int
                return total + (size ?? 0)
            }
            let (measured, peakKilobytes, exitStatus) = try measureRounds(directory: directory, executable: executable)
            let zcatMedian = Self.median(measured.map(\.zcatSeconds))
            let checkMedian = Self.median(measured.map(\.checkSeconds))
            let ratios = measured.map(\.relativeToZcat)
            let cache = directory + "-index"
            setenv("BOOKSTORE_TRACE_INDEX_DIR", cache, 1)
            defer { try? FileManager.default.removeItem(atPath: cache) }
            let order = SyntheticRun.orderID(written / 70)
            let timeline = [executable, "timeline", directory, "--order", order]
            let firstTimeline = try ChildProcess.run(timeline)
            let secondTimeline = try ChildProcess.run(timeline)
            results.append(
                Measurement(
                    events: written, compressedBytes: bytes, zcatSeconds: zcatMedian, checkSeconds: checkMedian,
                    checkEventsPerSecond: Double(written) / checkMedian, relativeToZcat: Self.median(ratios),
                    relativeToZcatLowest: ratios.min() ?? 0, relativeToZcatHighest: ratios.max() ?? 0,
                    rounds: measured, checkPeakRSSMegabytes: Double(peakKilobytes) / 1024, checkExitStatus: exitStatus,
                    timelineFirstSeconds: firstTimeline.seconds, timelineSecondSeconds: secondTimeline.seconds))
        }
        if format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
            return
        }
        print(
            "trace-analyzer check vs zcat, same generated files, same run (aim: check ≥ 100% of zcat's speed); "
                + "\(rounds) rounds, medians, the ratio's range over the rounds")
        print(
            "    events   gz MB   zcat s  check s   check ev/s  vs zcat (lowest–highest)  check peak RSS  exit  "
                + "timeline --order: indexing s, indexed s")
        for result in results {
            print(
                String(
                    format: "%10d %7.1f %8.2f %8.2f %12.0f %7.0f%% (%3.0f–%3.0f%%)    %12.1f MB  %4d  %8.2f %8.2f",
                    result.events, Double(result.compressedBytes) / 1e6, result.zcatSeconds, result.checkSeconds,
                    result.checkEventsPerSecond, result.relativeToZcat * 100, result.relativeToZcatLowest * 100,
                    result.relativeToZcatHighest * 100, result.checkPeakRSSMegabytes, result.checkExitStatus,
                    result.timelineFirstSeconds, result.timelineSecondSeconds))
            let perRound = result.rounds.map { String(format: "%.0f%%", $0.relativeToZcat * 100) }
            print("           rounds: " + perRound.joined(separator: " "))
        }
    }

    /// `rounds` rounds of zcat and check on `directory`, the order alternating (zcat first in the first round), so
    /// that neither always runs on a cache the other warmed. Returns the rounds, check's highest peak RSS (KiB) and
    /// its first non-zero exit status (0 when every check passed).
    private func measureRounds(directory: String, executable: String) throws -> ([Round], Int, Int32) {
        var measured: [Round] = []
        var (peak, status): (Int, Int32) = (0, 0)
        for round in 0..<max(1, rounds) {
            let runZcat = { try ChildProcess.run(["/bin/sh", "-c", "zcat '\(directory)'/*.gz > /dev/null"]) }
            let runCheck = { try ChildProcess.run([executable, "check", directory, "--format", "json"]) }
            let zcat: ChildProcess.Outcome
            let check: ChildProcess.Outcome
            if round % 2 == 0 {
                zcat = try runZcat()
                check = try runCheck()
            } else {
                check = try runCheck()
                zcat = try runZcat()
            }
            measured.append(
                Round(
                    zcatSeconds: zcat.seconds, checkSeconds: check.seconds,
                    relativeToZcat: zcat.seconds / check.seconds))
            peak = max(peak, check.maxRSSKilobytes)
            if status == 0 { status = check.status }
        }
        return (measured, peak, status)
    }

    /// The median of `values` (the mean of the middle two for an even count; 0 when empty).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

extension AnalyzerBenchmark {
    /// Writes a run of `size` events into `directory`, or with `--runs` reuses the one an earlier call kept there
    /// (its event count is in `<directory>.events`, written last). Returns the events written.
    func generatedRun(size: Int, in directory: String) throws -> Int {
        let marker = directory + ".events"
        if runs != nil, let text = try? String(contentsOfFile: marker, encoding: .utf8), let count = Int(text) {
            return count
        }
        try? FileManager.default.removeItem(atPath: directory)
        let count = try SyntheticRun.write(events: size, to: directory)
        if runs != nil { try String(count).write(toFile: marker, atomically: true, encoding: .utf8) }
        return count
    }
}

/// Runs a child process to completion and reports its wall time and peak memory (wait4's rusage).
enum ChildProcess {
    struct Outcome {
        var seconds: Double
        var maxRSSKilobytes: Int
        var status: Int32
    }

    static func run(_ arguments: [String]) throws -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        guard spawned == 0 else { throw ExitCode(2) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(seconds: seconds, maxRSSKilobytes: Int(usage.ru_maxrss), status: exitStatus)
    }
}
