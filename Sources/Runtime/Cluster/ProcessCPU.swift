import Foundation

/// CPU time used by a process, from `/proc/<pid>/stat` (all its threads, user and system) or, for this process,
/// from `getrusage`.
public enum ProcessCPU {
    /// User and system CPU time in clock ticks, as `/proc/<pid>/stat` reports them.
    public struct Ticks: Sendable, Equatable {
        public var user: UInt64
        public var system: UInt64
        public init(user: UInt64, system: UInt64) {
            self.user = user
            self.system = system
        }
        public var total: UInt64 { user &+ system }
    }

    /// Reads `utime` and `stime` (fields 14 and 15) from the text of `/proc/<pid>/stat`; nil when the text is not
    /// such a line. Field 2, the command name, is in parentheses and may itself hold spaces and parentheses, so
    /// the fields are counted from after the last `)`.
    public static func parseStat(_ text: String) -> Ticks? {
        guard let close = text.utf8.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = text.utf8[text.utf8.index(after: close)...]
        // Fields 3… (state, ppid, …): utime and stime are the 12th and 13th of them.
        let fields = rest.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard fields.count >= 13,
            let user = UInt64(String(decoding: fields[11], as: UTF8.self)),
            let system = UInt64(String(decoding: fields[12], as: UTF8.self))
        else { return nil }
        return Ticks(user: user, system: system)
    }

    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
    public static let ticksPerSecond: Double = {
        let value = sysconf(Int32(_SC_CLK_TCK))
        return value > 0 ? Double(value) : 100
    }()

    /// CPU seconds used so far by process `pid`; nil when it is gone or its stat cannot be read.
    public static func seconds(pid: Int32) -> Double? {
        guard pid > 0, let text = readProcFile("/proc/\(pid)/stat"), let ticks = parseStat(text)
        else { return nil }
        return Double(ticks.total) / ticksPerSecond
    }

    /// CPU seconds used so far by this process (every thread, user and system; microsecond resolution).
    public static func ownSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// The whole text of a file under /proc (they report size 0, so they are read until end of file), or nil.
func readProcFile(_ path: String, limit: Int = 16 << 20) -> String? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while bytes.count < limit {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// CPU used by a set of named processes over an interval: a sample before, a sample after.
public struct CPUSample: Sendable, Equatable {
    /// CPU seconds so far by process name (processes that could not be read are absent).
    public var seconds: [String: Double]
    /// When the sample was taken (monotonic nanoseconds).
    public var at: UInt64

    public init(seconds: [String: Double], at: UInt64) {
        self.seconds = seconds
        self.at = at
    }

    /// Samples `processes` (name → pid) and, under `selfName` when given, this process.
    public static func take(_ processes: [(name: String, pid: Int32)], selfName: String? = nil) -> CPUSample {
        var seconds: [String: Double] = [:]
        for process in processes { seconds[process.name] = ProcessCPU.seconds(pid: process.pid) }
        if let selfName { seconds[selfName] = ProcessCPU.ownSeconds() }
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return CPUSample(seconds: seconds, at: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    /// CPU seconds each process used from `earlier` to this sample (processes in both; never negative: a process
    /// restarted in between shows 0), and the wall seconds between them.
    public func used(since earlier: CPUSample) -> (cpu: [String: Double], wallSeconds: Double) {
        var cpu: [String: Double] = [:]
        for (name, now) in seconds {
            if let before = earlier.seconds[name] { cpu[name] = max(0, now - before) }
        }
        return (cpu, at > earlier.at ? Double(at - earlier.at) / 1e9 : 0)
    }
}
